package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.GetUsageRequest;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class BudgetTest {
    private static final long HUNDRED_USD = 100_000_000_000L;

    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static Caller caller(String key) {
        return Caller.newBuilder().setTenantId("tenant-budget").setKeyId(key).build();
    }

    private ReserveResponse reserve(String rid, String key, String model, long prompt, long max) {
        return cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller(key)).setModel(model)
                .setPromptTokens(prompt).setMaxCompletionTokens(max).build());
    }

    private SettleResponse settle(String rid, String key, String model, long prompt, long cached, long completion) {
        return cost.settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(caller(key)).setModel(model)
                .setUsage(TokenUsage.newBuilder().setPromptTokens(prompt).setCachedPromptTokens(cached)
                        .setCompletionTokens(completion))
                .build());
    }

    private long release(String rid, String key) {
        return cost.release(ReleaseRequest.newBuilder().setRequestId(rid).setCaller(caller(key)).build())
                .getReleasedNanosUsd();
    }

    private long budgetField(String key, String field) {
        return field("tenant-budget", "key/" + key + ":total", field);
    }

    private long field(String tenant, String budget, String field) {
        String v = redis.hash(String.class).hget(prefix + "b:{" + tenant + "}:" + budget, field);
        return v == null ? 0 : Long.parseLong(v);
    }

    private static Status.Code code(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
    }

    @Test
    void reserveIsIdempotentAndSettleReconciles() {
        String key = "key-" + id();
        String rid = id();
        ReserveResponse first = reserve(rid, key, "gpt-4o-mini", 1000, 1000);
        assertEquals(1000 * 150 + 1000 * 600, first.getReservedNanosUsd());
        assertEquals(HUNDRED_USD - 750_000, first.getRemainingNanosUsd());
        ReserveResponse again = reserve(rid, key, "gpt-4o-mini", 1000, 1000);
        assertEquals(750_000, again.getReservedNanosUsd());
        assertEquals(HUNDRED_USD - 750_000, again.getRemainingNanosUsd());
        assertEquals(750_000, budgetField(key, "reserved"), "the second Reserve reserved nothing more");
        assertEquals("750000\n" + prefix + "b:{tenant-budget}:key/" + key + ":total",
                redis.hash(String.class).hget(prefix + "res:{tenant-budget}", rid));

        SettleResponse settled = settle(rid, key, "gpt-4o-mini", 1000, 0, 200);
        assertEquals(1000 * 150 + 200 * 600, settled.getCostNanosUsd());
        assertEquals(HUNDRED_USD - 270_000, settled.getRemainingNanosUsd());
        assertEquals(0, budgetField(key, "reserved"));
        assertEquals(270_000, budgetField(key, "spent"));
        assertEquals(null, redis.hash(String.class).hget(prefix + "res:{tenant-budget}", rid));

        SettleResponse repeated = settle(rid, key, "gpt-4o-mini", 1000, 0, 200);
        assertEquals(270_000, repeated.getCostNanosUsd());
        assertEquals(270_000, budgetField(key, "spent"), "a repeated Settle adds nothing");
        long ttl = redis.key().pttl(prefix + "settled:{tenant-budget}:" + rid);
        assertTrue(ttl > 6L * 24 * 3600 * 1000 && ttl <= 7L * 24 * 3600 * 1000, "settled TTL ~7 days: " + ttl);

        assertEquals(0, release(rid, key), "nothing left to release after Settle");
        assertEquals(0, reserve(rid, key, "gpt-4o-mini", 1000, 1000).getReservedNanosUsd(),
                "a Reserve after Settle of the same request reserves nothing");
        assertEquals(0, budgetField(key, "reserved"));
    }

    @Test
    void reserveAnswersThePriceInForceWhenTheRequestArrived() {
        String key = "key-" + id();
        // gpt-4o cost 5.00 / 15.00 USD per million tokens from 2024-05-13 and 2.50 / 10.00 from 2024-10-02
        long june2024 = java.time.Instant.parse("2024-06-01T00:00:00Z").toEpochMilli();
        ReserveResponse then = cost.reserve(ReserveRequest.newBuilder().setRequestId(id()).setCaller(caller(key))
                .setModel("gpt-4o").setPromptTokens(1000).setMaxCompletionTokens(0).setOccurredUnixMs(june2024)
                .build());
        assertEquals(5_000_000, then.getReservedNanosUsd());
        assertEquals("gpt-4o", then.getPrice().getModel());
        assertEquals(java.time.Instant.parse("2024-05-13T00:00:00Z").toEpochMilli(),
                then.getPrice().getEffectiveFromUnixMs());
        assertEquals(0, new java.math.BigDecimal("5").compareTo(
                new java.math.BigDecimal(then.getPrice().getPrice().getInputUsdPerMtok())));
        ReserveResponse now = reserve(id(), key, "gpt-4o", 1000, 0);
        assertEquals(2_500_000, now.getReservedNanosUsd());
        assertEquals(java.time.Instant.parse("2024-10-02T00:00:00Z").toEpochMilli(),
                now.getPrice().getEffectiveFromUnixMs());
    }

    @Test
    void settleWithoutReservationStillRecordsSpend() {
        String key = "key-" + id();
        SettleResponse s = settle(id(), key, "gpt-4o", 3000, 1000, 300);
        assertEquals(9_250_000, s.getCostNanosUsd());
        assertEquals(HUNDRED_USD - 9_250_000, s.getRemainingNanosUsd());
        assertEquals(9_250_000, budgetField(key, "spent"));
    }

    @Test
    void usageIsCountedLocallyWhenTheUpstreamReportedNone() {
        String key = "key-" + id();
        SettleResponse s = cost.settle(SettleRequest.newBuilder().setRequestId(id()).setCaller(caller(key))
                .setModel("gpt-4o-mini").setUsage(TokenUsage.getDefaultInstance())
                .setPromptText("Hello, world!").setCompletionText("Hi there").build());
        // o200k_base: "Hello" "," " world" "!" = 4 tokens, "Hi" " there" = 2 tokens
        assertEquals(4, s.getUsage().getPromptTokens());
        assertEquals(2, s.getUsage().getCompletionTokens());
        assertTrue(s.getUsage().getEstimated());
        assertEquals(4 * 150 + 2 * 600, s.getCostNanosUsd());
        // reported usage is used as given, never replaced by a count
        SettleResponse reported = cost.settle(SettleRequest.newBuilder().setRequestId(id()).setCaller(caller(key))
                .setModel("gpt-4o-mini").setUsage(TokenUsage.newBuilder().setPromptTokens(10).setCompletionTokens(1))
                .setPromptText("Hello, world!").build());
        assertEquals(10, reported.getUsage().getPromptTokens());
        assertTrue(!reported.getUsage().getEstimated());
    }

    @Test
    void releaseIsIdempotent() {
        String key = "key-" + id();
        String rid = id();
        long reserved = reserve(rid, key, "local-echo", 500, 100).getReservedNanosUsd();
        assertEquals(500 * 100 + 100 * 400, reserved);
        assertEquals(reserved, release(rid, key));
        assertEquals(0, release(rid, key));
        assertEquals(0, budgetField(key, "reserved"));
        assertEquals(0, budgetField(key, "spent"));
        assertEquals(0, release(id(), key), "releasing an unknown request releases nothing");
    }

    @Test
    void exhaustedBudgetIsResourceExhausted() {
        // key-small: limit 0.001 USD = 1,000,000 nanos; the test run has its own Redis prefix
        String key = "key-small";
        String big = id();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> reserve(big, key, "gpt-4o", 100, 100)); // 250,000 + 1,000,000
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertEquals("budget of key key-small exhausted: limit $0.001000000, spent $0.000000000, reserved"
                + " $0.000000000, this request needs up to $0.001250000; raise the limit (llmops.cost.budgets)"
                + " or lower max_completion_tokens", e.getStatus().getDescription());

        String r1 = id();
        assertEquals(250_000, reserve(r1, key, "gpt-4o", 100, 50).getRemainingNanosUsd());
        String r2 = id();
        StatusRuntimeException second = assertThrows(StatusRuntimeException.class,
                () -> reserve(r2, key, "gpt-4o", 100, 50));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, second.getStatus().getCode());
        assertTrue(second.getStatus().getDescription().contains("reserved $0.000750000"),
                second.getStatus().getDescription());
        assertEquals(750_000, release(r1, key));
        assertEquals(750_000, reserve(r2, key, "gpt-4o", 100, 50).getReservedNanosUsd());
        assertEquals(750_000, settle(r2, key, "gpt-4o", 100, 0, 50).getCostNanosUsd());
        // spent 750,000 of 1,000,000: a 300,000 request no longer fits
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, code(() -> reserve(id(), key, "gpt-4o", 0, 30)));
        assertEquals(200_000, reserve(id(), key, "gpt-4o", 0, 20).getReservedNanosUsd());
    }

    private ReserveResponse replace(String rid, String key, String model, long max) {
        return cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller(key)).setModel(model)
                .setMaxCompletionTokens(max).setReplace(true).build());
    }

    @Test
    void replaceSwapsTheReservationInOneStep() {
        // key-fallback: limit 0.001 USD = 1,000,000 nanos
        String key = "key-fallback";
        String fallback = id();
        String other = id();
        assertEquals(400_000, reserve(fallback, key, "local-echo", 0, 1000).getReservedNanosUsd());
        assertEquals(300_000, reserve(other, key, "gpt-4o-mini", 0, 500).getReservedNanosUsd());
        // 700,000 + 600,000 would not fit; in place of the 400,000 this request holds it does
        ReserveResponse swapped = replace(fallback, key, "gpt-4o-mini", 1000);
        assertEquals(600_000, swapped.getReservedNanosUsd());
        assertEquals(100_000, swapped.getRemainingNanosUsd());
        assertEquals(900_000, budgetField(key, "reserved"));
        assertEquals("600000\n" + prefix + "b:{tenant-budget}:key/" + key + ":total",
                redis.hash(String.class).hget(prefix + "res:{tenant-budget}", fallback));

        // even without what it holds, 1,000,000 does not fit: refused, and the request keeps its reservation
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> replace(fallback, key, "gpt-4o", 100));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("reserved $0.000300000, this request needs up to"
                + " $0.001000000"), e.getStatus().getDescription());
        assertEquals(900_000, budgetField(key, "reserved"));
        assertEquals(600_000, reserve(fallback, key, "gpt-4o", 0, 100).getReservedNanosUsd(),
                "a Reserve without replace still answers with what the request holds");

        assertEquals(600_000, release(fallback, key));
        assertEquals(300_000, budgetField(key, "reserved"));
        assertEquals(60_000, replace(id(), key, "gpt-4o-mini", 100).getReservedNanosUsd(),
                "nothing to replace: a plain Reserve");
        settle(other, key, "gpt-4o-mini", 0, 0, 10);
        assertEquals(0, replace(other, key, "gpt-4o-mini", 100).getReservedNanosUsd(), "after Settle: nothing");
        assertEquals(60_000, budgetField(key, "reserved"));
    }

    @Test
    void abandonedReservationExpires() throws InterruptedException {
        // key-expiry: limit 0.0001 USD = 100,000 nanos; this request's reservation holds 3 s
        String key = "key-expiry";
        String abandoned = id();
        assertEquals(80_000, cost.reserve(ReserveRequest.newBuilder().setRequestId(abandoned)
                .setCaller(caller(key)).setModel("local-echo").setMaxCompletionTokens(200).setReservationTtlMs(3000)
                .build()).getReservedNanosUsd());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, code(() -> reserve(id(), key, "local-echo", 0, 200)));
        double expiry = redis.sortedSet(String.class).zscore(prefix + "resexp:{tenant-budget}", abandoned)
                .orElseThrow();
        long left = (long) expiry - System.currentTimeMillis();
        assertTrue(left > 0 && left <= 3100, "reservation expires with the TTL: " + left);
        Thread.sleep(3300);
        String next = id();
        ReserveResponse r = reserve(next, key, "local-echo", 0, 200);
        assertEquals(80_000, r.getReservedNanosUsd());
        assertEquals(20_000, r.getRemainingNanosUsd(), "the expired reservation stopped counting");
        assertEquals(80_000, budgetField(key, "reserved"));
        assertEquals(null, redis.hash(String.class).hget(prefix + "res:{tenant-budget}", abandoned));
        assertEquals(0, release(abandoned, key), "an expired reservation has nothing left to release");
        // Settling the abandoned request later still records what the provider charged
        assertEquals(80_000, settle(abandoned, key, "local-echo", 0, 0, 200).getCostNanosUsd());
        assertEquals(80_000, budgetField(key, "spent"));
    }

    @Test
    void unlimitedAndDefaultKeys() {
        ReserveResponse u = reserve(id(), "key-unlimited", "gpt-4o", 1_000_000_000L, 1_000_000_000L);
        assertEquals(1_000_000_000L * 2500 + 1_000_000_000L * 10000, u.getReservedNanosUsd());
        assertEquals(-1, u.getRemainingNanosUsd());
        assertEquals(HUNDRED_USD - 150, reserve(id(), "key-default", "gpt-4o-mini", 1, 0).getRemainingNanosUsd());
    }

    @Test
    void largeRequestsPassTheRaisedInboundLimit() {
        // 1 MiB of caller tags: above the 256 KiB default of gRPC on the shared HTTP port, below the 16 MiB set
        String key = "key-" + id();
        ReserveResponse r = cost.reserve(ReserveRequest.newBuilder().setRequestId(id())
                .setCaller(caller(key).toBuilder().putTags("context", "x".repeat(1 << 20)))
                .setModel("gpt-4o-mini").setPromptTokens(10).setMaxCompletionTokens(10).build());
        assertEquals(10 * 150 + 10 * 600, r.getReservedNanosUsd());
    }

    @Test
    void badInputIsInvalidArgument() {
        String key = "key-" + id();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve("", key, "gpt-4o", 1, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve(id(), "", "gpt-4o", 1, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve("has space", key, "gpt-4o", 1, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.reserve(ReserveRequest.newBuilder()
                .setRequestId(id()).setModel("gpt-4o").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.reserve(ReserveRequest.newBuilder()
                .setRequestId(id()).setCaller(Caller.newBuilder().setKeyId(key)).setModel("gpt-4o").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve(id(), key, "gpt-4o", -1, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve(id(), key, "gpt-4o", 1, -1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.reserve(ReserveRequest.newBuilder()
                .setRequestId(id()).setCaller(caller(key)).setModel("gpt-4o").setReservationTtlMs(-1).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> reserve(id(), key, "", 1, 1)));
        StatusRuntimeException unpriced = assertThrows(StatusRuntimeException.class,
                () -> reserve(id(), key, "gpt-unknown", 1, 1));
        assertEquals(Status.Code.INVALID_ARGUMENT, unpriced.getStatus().getCode());
        assertTrue(unpriced.getStatus().getDescription().startsWith("no price for model gpt-unknown at "));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> settle(id(), key, "gpt-unknown", 1, 0, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> settle(id(), key, "gpt-4o", 10, 11, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> settle(id(), key, "gpt-4o", 10, 0, -1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.settle(SettleRequest.newBuilder()
                .setRequestId(id()).setCaller(caller(key)).setModel("gpt-4o").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> release("", key)));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.getUsage(GetUsageRequest.newBuilder().build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> cost.getUsage(GetUsageRequest.newBuilder()
                .setTenantId("t").setStartUnixMs(10).setEndUnixMs(5).build())));
        assertEquals(0, budgetField(key, "spent"));
        assertEquals(0, budgetField(key, "reserved"));
    }
}
