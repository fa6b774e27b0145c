package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cost.service.PriceCatalog;
import dev.llmops.cost.service.Pricing;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.ListPricesRequest;
import llmops.cost.v1.ModelPrice;
import llmops.cost.v1.PriceVersion;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SetPriceRequest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class PricingTest {
    /**
     * The providers' published prices, restated here independently of prices/catalog.json (USD per million tokens):
     * input, cached read, cache write, output, reasoning; then the long-context tier (threshold, input, output,
     * cached read, cache write) where the provider has one.
     */
    record Sheet(String in, String cached, String write, String out, String reasoning, long above, String tIn,
            String tOut, String tCached, String tWrite) {
        static Sheet flat(String in, String cached, String write, String out) {
            return new Sheet(in, cached, write, out, out, 0, null, null, null, null);
        }
    }

    static final Map<String, Sheet> SHEET = new LinkedHashMap<>();

    static {
        SHEET.put("gpt-4o", Sheet.flat("2.50", "1.25", "2.50", "10.00"));
        SHEET.put("gpt-4o-mini", Sheet.flat("0.15", "0.075", "0.15", "0.60"));
        SHEET.put("gpt-4.1", Sheet.flat("2.00", "0.50", "2.00", "8.00"));
        SHEET.put("gpt-4.1-mini", Sheet.flat("0.40", "0.10", "0.40", "1.60"));
        SHEET.put("gpt-4.1-nano", Sheet.flat("0.10", "0.025", "0.10", "0.40"));
        SHEET.put("o1", Sheet.flat("15.00", "7.50", "15.00", "60.00"));
        SHEET.put("o3", Sheet.flat("2.00", "0.50", "2.00", "8.00"));
        SHEET.put("o3-mini", Sheet.flat("1.10", "0.55", "1.10", "4.40"));
        SHEET.put("o4-mini", Sheet.flat("1.10", "0.275", "1.10", "4.40"));
        SHEET.put("claude-3-5-sonnet-20241022", Sheet.flat("3.00", "0.30", "3.75", "15.00"));
        SHEET.put("claude-3-5-haiku-20241022", Sheet.flat("0.80", "0.08", "1.00", "4.00"));
        SHEET.put("claude-3-7-sonnet-20250219", Sheet.flat("3.00", "0.30", "3.75", "15.00"));
        SHEET.put("claude-sonnet-4-20250514", new Sheet("3.00", "0.30", "3.75", "15.00", "15.00", 200_000, "6.00",
                "22.50", "0.60", "7.50"));
        SHEET.put("claude-haiku-4-5", Sheet.flat("1.00", "0.10", "1.25", "5.00"));
        SHEET.put("gemini-1.5-flash", new Sheet("0.075", "0.01875", "0.075", "0.30", "0.30", 128_000, "0.15",
                "0.60", "0.0375", "0.15"));
        SHEET.put("gemini-1.5-pro", new Sheet("1.25", "0.3125", "1.25", "5.00", "5.00", 128_000, "2.50", "10.00",
                "0.625", "2.50"));
        SHEET.put("gemini-2.0-flash", Sheet.flat("0.10", "0.025", "0.10", "0.40"));
        SHEET.put("gemini-2.5-flash", Sheet.flat("0.30", "0.075", "0.30", "2.50"));
        SHEET.put("gemini-2.5-pro", new Sheet("1.25", "0.125", "1.25", "10.00", "10.00", 200_000, "2.50", "15.00",
                "0.25", "2.50"));
        SHEET.put("local-echo", Sheet.flat("0.10", "0.05", "0.10", "0.40"));
        SHEET.put("test-odd", Sheet.flat("0.3335", "0.3335", "0.3335", "1.7775"));
    }

    @Inject
    PriceCatalog prices;
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    /** USD = sum(tokens * price) / 1e6, to nanos, rounded HALF_UP once: an independent restatement of the rule. */
    static long expected(String model, TokenUsage u) {
        Sheet s = SHEET.get(model);
        boolean tier = s.above() > 0 && u.getPromptTokens() > s.above();
        String in = tier ? s.tIn() : s.in();
        String cached = tier ? s.tCached() : s.cached();
        String write = tier ? s.tWrite() : s.write();
        String out = tier ? s.tOut() : s.out();
        String reasoning = tier ? s.tOut() : s.reasoning();
        long uncached = u.getPromptTokens() - u.getCachedPromptTokens() - u.getCacheWriteTokens();
        BigDecimal usd = new BigDecimal(in).multiply(BigDecimal.valueOf(uncached))
                .add(new BigDecimal(cached).multiply(BigDecimal.valueOf(u.getCachedPromptTokens())))
                .add(new BigDecimal(write).multiply(BigDecimal.valueOf(u.getCacheWriteTokens())))
                .add(new BigDecimal(out).multiply(BigDecimal.valueOf(u.getCompletionTokens() - u.getReasoningTokens())))
                .add(new BigDecimal(reasoning).multiply(BigDecimal.valueOf(u.getReasoningTokens())))
                .divide(BigDecimal.valueOf(1_000_000));
        return usd.multiply(BigDecimal.valueOf(1_000_000_000L)).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    private long cost(String model, TokenUsage u) {
        return Pricing.costNanos(prices.require("", model, Instant.now()), u);
    }

    private static TokenUsage usage(long prompt, long cached, long write, long completion, long reasoning) {
        return TokenUsage.newBuilder().setPromptTokens(prompt).setCachedPromptTokens(cached).setCacheWriteTokens(write)
                .setCompletionTokens(completion).setReasoningTokens(reasoning).build();
    }

    @Test
    void gridMatchesThePublishedPrices() {
        long[] tokenGrid = {0, 1, 3, 999, 128_000, 128_001, 200_000, 200_001, 987_654_321};
        int checked = 0;
        for (String model : SHEET.keySet()) {
            for (long prompt : tokenGrid) {
                for (long completion : tokenGrid) {
                    for (long[] parts : new long[][] {{0, 0}, {prompt / 3, 0}, {prompt / 4, prompt / 2}, {prompt, 0}}) {
                        TokenUsage u = usage(prompt, parts[0], parts[1], completion, completion / 3);
                        assertEquals(expected(model, u), cost(model, u), model + " " + u);
                        checked++;
                    }
                }
            }
        }
        assertEquals(SHEET.size() * 9 * 9 * 4, checked);
    }

    /** The README table: our cost for typical usage shapes next to the published sheet's, per model. */
    @Test
    void publishedPriceCheckTable() throws IOException {
        Map<String, TokenUsage> shapes = new LinkedHashMap<>();
        shapes.put("plain 1,200 in / 300 out", usage(1200, 0, 0, 300, 0));
        shapes.put("cached 10,000 in (8,000 cache read) / 500 out", usage(10_000, 8_000, 0, 500, 0));
        shapes.put("cache write 5,000 in (4,000 written) / 200 out", usage(5_000, 0, 4_000, 200, 0));
        shapes.put("reasoning 2,000 in / 6,000 out (5,000 reasoning)", usage(2_000, 0, 0, 6_000, 5_000));
        shapes.put("streamed 800 in / 1,500 out (final usage chunk)", usage(800, 0, 0, 1_500, 0));
        shapes.put("long context 250,000 in / 1,000 out", usage(250_000, 0, 0, 1_000, 0));
        StringBuilder md = new StringBuilder("| model | usage shape | published sheet (USD) | computed (USD) | match |\n"
                + "|---|---|---|---|---|\n");
        for (String model : SHEET.keySet()) {
            if (model.equals("test-odd")) {
                continue;
            }
            for (Map.Entry<String, TokenUsage> s : shapes.entrySet()) {
                long want = expected(model, s.getValue());
                long got = cost(model, s.getValue());
                assertEquals(want, got, model + " " + s.getKey());
                assertTrue(got > 0, "never free: " + model + " " + s.getKey());
                md.append("| ").append(model).append(" | ").append(s.getKey()).append(" | ").append(Money.usd(want))
                        .append(" | ").append(Money.usd(got)).append(" | ").append(want == got ? "yes" : "NO")
                        .append(" |\n");
            }
        }
        Files.writeString(Path.of("target", "price-check.md"), md);
    }

    @Test
    void handComputedValues() {
        // 1000 * 0.15 + 500 * 0.60 = 450 USD per million = 0.00045 USD
        assertEquals(450_000, cost("gpt-4o-mini", usage(1000, 0, 0, 500, 0)));
        // 600 * 0.15 + 400 * 0.075 + 500 * 0.60 = 90 + 30 + 300 = 420 per million
        assertEquals(420_000, cost("gpt-4o-mini", usage(1000, 400, 0, 500, 0)));
        // Claude cache write: 1000 * 3 + 2000 * 3.75 + 100 * 15 = 3000 + 7500 + 1500 = 12000 per million
        assertEquals(12_000_000, cost("claude-3-7-sonnet-20250219", usage(3000, 0, 2000, 100, 0)));
        // long context: 200,001 prompt tokens put the whole request on the tier: 200001 * 6 + 10 * 22.5
        assertEquals(1_200_006_000L + 225_000, cost("claude-sonnet-4-20250514", usage(200_001, 0, 0, 10, 0)));
        assertEquals(600_000_000L + 150_000, cost("claude-sonnet-4-20250514", usage(200_000, 0, 0, 10, 0)));
        // 0.3335 per million = 333.5 nanos a token: HALF_UP once at the end, not per component
        assertEquals(334, cost("test-odd", usage(1, 0, 0, 0, 0)));
        assertEquals(1001, cost("test-odd", usage(3, 0, 0, 0, 0))); // 1000.5
        // 333.5 + 1777.5 = 2111 exactly; rounding each part first would give 334 + 1778 = 2112
        assertEquals(2111, cost("test-odd", usage(1, 0, 0, 1, 0)));
        // worst case: uncached, at the dearer of input and cache write, every allowed completion token
        assertEquals(1000 * 150 + 2000 * 600,
                Pricing.worstCaseNanos(prices.require("", "gpt-4o-mini", Instant.now()), 1000, 2000));
        assertEquals(1000 * 3750 + 10 * 15000,
                Pricing.worstCaseNanos(prices.require("", "claude-3-5-sonnet-20241022", Instant.now()), 1000, 10));
    }

    @Test
    void priceInForceWhenTheRequestRan() {
        TokenUsage u = usage(1000, 0, 0, 1000, 0);
        // gpt-4o served 2024-05-13's price (5 / 15) until the alias moved on 2024-10-02 (2.50 / 10)
        assertEquals(20_000_000, Pricing.costNanos(prices.require("", "gpt-4o",
                Instant.parse("2024-06-01T00:00:00Z")), u));
        assertEquals(12_500_000, Pricing.costNanos(prices.require("", "gpt-4o",
                Instant.parse("2024-10-02T00:00:00Z")), u));
        // before any price existed: not free, unpriced
        assertNull(prices.find("", "gpt-4o", Instant.parse("2024-01-01T00:00:00Z")));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> prices.require("", "gpt-4o", Instant.parse("2024-01-01T00:00:00Z")));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    @Test
    void adminPricesPerTenantApplyFromTheirEffectiveTime() {
        String tenant = "tenant-price-" + UUID.randomUUID().toString().substring(0, 8);
        long from = Instant.now().minus(1, ChronoUnit.HOURS).toEpochMilli();
        cost.setPrice(SetPriceRequest.newBuilder().setVersion(PriceVersion.newBuilder().setModel("gpt-4o")
                .setTenantId(tenant).setEffectiveFromUnixMs(from).setSource("contract 2026-11")
                .setPrice(ModelPrice.newBuilder().setInputUsdPerMtok("1.00").setOutputUsdPerMtok("4.00"))).build());
        // the tenant's own price: 1000 * 1 + 1000 * 4 = 5000 per million
        assertEquals(5_000_000, cost.reserve(ReserveRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
                .setCaller(Caller.newBuilder().setTenantId(tenant).setKeyId("k-" + tenant)).setModel("gpt-4o")
                .setPromptTokens(1000).setMaxCompletionTokens(1000).build()).getReservedNanosUsd());
        // everyone else keeps the list price: 2500 + 10000
        assertEquals(12_500_000, cost.reserve(ReserveRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
                .setCaller(Caller.newBuilder().setTenantId("other-" + tenant).setKeyId("k2-" + tenant))
                .setModel("gpt-4o").setPromptTokens(1000).setMaxCompletionTokens(1000).build()).getReservedNanosUsd());
        // before its effective time the tenant paid the list price
        assertEquals(12_500_000, Pricing.costNanos(prices.require(tenant, "gpt-4o",
                Instant.ofEpochMilli(from - 1)), usage(1000, 0, 0, 1000, 0)));
        List<PriceVersion> listed = cost.listPrices(ListPricesRequest.newBuilder().setModel("gpt-4o").build())
                .getVersionsList();
        assertTrue(listed.stream().anyMatch(v -> v.getTenantId().equals(tenant)
                && v.getSource().equals("contract 2026-11") && v.getPrice().getInputUsdPerMtok().equals("1.00")),
                listed.toString());
        assertTrue(listed.stream().anyMatch(v -> v.getTenantId().isEmpty() && v.getPrice().getInputUsdPerMtok()
                .equals("5.00")), "the catalog's 2024-05-13 version is listed too");

        // bad admin input is INVALID_ARGUMENT saying what to fix
        StatusRuntimeException neg = assertThrows(StatusRuntimeException.class, () -> cost.setPrice(
                SetPriceRequest.newBuilder().setVersion(PriceVersion.newBuilder().setModel("m")
                        .setPrice(ModelPrice.newBuilder().setInputUsdPerMtok("-1").setOutputUsdPerMtok("1"))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, neg.getStatus().getCode());
        assertTrue(neg.getStatus().getDescription().contains("must not be negative"), neg.getMessage());
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> cost.setPrice(
                SetPriceRequest.newBuilder().setVersion(PriceVersion.newBuilder().setModel("m")
                        .setPrice(ModelPrice.newBuilder().setInputUsdPerMtok("1"))).build()));
        assertTrue(missing.getStatus().getDescription().contains("output is required"), missing.getMessage());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> cost.setPrice(SetPriceRequest.getDefaultInstance())).getStatus().getCode());
    }

    @Test
    void unpricedModelIsRejectedNotFree() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> prices.require("", "gpt-9", Instant.now()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("no price for model gpt-9"), e.getMessage());
        assertTrue(e.getStatus().getDescription().contains("gpt-4o-mini"), e.getMessage());
    }
}
