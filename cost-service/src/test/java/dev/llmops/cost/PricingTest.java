package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cost.service.PriceCatalog;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class PricingTest {
    /** The shipped price sheet, restated here: input, cached input, output (USD per million tokens). */
    private static final Map<String, String[]> SHEET = Map.of(
            "gpt-4o-mini", new String[] {"0.15", "0.075", "0.60"},
            "gpt-4o", new String[] {"2.50", "1.25", "10.00"},
            "local-echo", new String[] {"0.10", "0.05", "0.40"},
            "test-odd", new String[] {"0.3335", "0.3335", "1.7775"});

    @Inject
    PriceCatalog prices;

    /** USD = tokens * price / 1e6, then to nanos, rounded HALF_UP once: an independent restatement of the rule. */
    private static long expected(String model, long prompt, long cached, long completion) {
        String[] p = SHEET.get(model);
        BigDecimal usd = new BigDecimal(p[0]).multiply(BigDecimal.valueOf(prompt - cached))
                .add(new BigDecimal(p[1]).multiply(BigDecimal.valueOf(cached)))
                .add(new BigDecimal(p[2]).multiply(BigDecimal.valueOf(completion)))
                .divide(BigDecimal.valueOf(1_000_000));
        return usd.multiply(BigDecimal.valueOf(1_000_000_000L)).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    @Test
    void gridMatchesExactBigDecimalPricing() {
        long[] tokenGrid = {0, 1, 3, 7, 999, 1_000, 123_457, 1_000_000, 987_654_321};
        int checked = 0;
        for (String model : SHEET.keySet()) {
            for (long prompt : tokenGrid) {
                for (long completion : tokenGrid) {
                    for (long cached : new long[] {0, prompt / 3, prompt}) {
                        assertEquals(expected(model, prompt, cached, completion),
                                prices.costNanos(model, prompt, cached, completion),
                                model + " prompt=" + prompt + " cached=" + cached + " completion=" + completion);
                        checked++;
                    }
                }
            }
        }
        assertEquals(SHEET.size() * 9 * 9 * 3, checked);
    }

    @Test
    void handComputedValues() {
        // 1000 * 0.15 + 500 * 0.60 = 450 USD per million = 0.00045 USD
        assertEquals(450_000, prices.costNanos("gpt-4o-mini", 1000, 0, 500));
        // 600 * 0.15 + 400 * 0.075 + 500 * 0.60 = 90 + 30 + 300 = 420 per million
        assertEquals(420_000, prices.costNanos("gpt-4o-mini", 1000, 400, 500));
        // gpt-4o: 2000 * 2.5 + 1000 * 1.25 (cached) + 300 * 10 = 5000 + 1250 + 3000 = 9250 per million
        assertEquals(9_250_000, prices.costNanos("gpt-4o", 3000, 1000, 300));
        // 0.3335 per million = 333.5 nanos a token: HALF_UP once at the end, not per component
        assertEquals(334, prices.costNanos("test-odd", 1, 0, 0));
        assertEquals(1001, prices.costNanos("test-odd", 3, 0, 0)); // 1000.5
        // 333.5 + 1777.5 = 2111 exactly; rounding each part first would give 334 + 1778 = 2112
        assertEquals(2111, prices.costNanos("test-odd", 1, 0, 1));
        // no cached price configured: cached tokens cost the input price
        assertEquals(prices.costNanos("test-odd", 10, 0, 0), prices.costNanos("test-odd", 10, 10, 0));
        // worst case ignores caching
        assertEquals(1000 * 150 + 2000 * 600, prices.worstCaseNanos("gpt-4o-mini", 1000, 2000));
    }

    @Test
    void unpricedModelIsRejectedNotFree() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> prices.costNanos("gpt-9", 10, 0, 10));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("no price for model gpt-9"), e.getMessage());
        assertTrue(e.getStatus().getDescription().contains("gpt-4o-mini"), e.getMessage());
    }
}
