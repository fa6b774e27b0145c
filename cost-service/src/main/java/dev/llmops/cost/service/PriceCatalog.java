package dev.llmops.cost.service;

import dev.llmops.cost.config.CostConfig;
import io.grpc.Status;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The only place that turns tokens into money. Prices are USD per million tokens; a cost is computed in exact
 * BigDecimal and rounded HALF_UP to whole nano-USD once, at the end.
 */
@Startup
@ApplicationScoped
public class PriceCatalog {
    /** USD per million tokens to nano-USD per token: 1e9 / 1e6. */
    private static final BigDecimal NANOS_PER_USD_PER_MTOK = BigDecimal.valueOf(1000);

    /** A model's prices in nano-USD per token (exact decimals). */
    public record Price(BigDecimal inputNanos, BigDecimal cachedInputNanos, BigDecimal outputNanos) {
    }

    private final Map<String, Price> prices = new TreeMap<>();
    private final String pricedModels;

    public PriceCatalog(CostConfig config) {
        config.prices().forEach((model, p) -> {
            BigDecimal input = nonNegative(model, "input-usd-per-mtok", p.inputUsdPerMtok());
            BigDecimal output = nonNegative(model, "output-usd-per-mtok", p.outputUsdPerMtok());
            BigDecimal cached = nonNegative(model, "cached-input-usd-per-mtok", p.cachedInputUsdPerMtok().orElse(input));
            prices.put(model, new Price(input.multiply(NANOS_PER_USD_PER_MTOK),
                    cached.multiply(NANOS_PER_USD_PER_MTOK), output.multiply(NANOS_PER_USD_PER_MTOK)));
        });
        pricedModels = String.join(", ", new TreeSet<>(prices.keySet()));
    }

    private static BigDecimal nonNegative(String model, String field, BigDecimal value) {
        if (value.signum() < 0) {
            throw new IllegalStateException("llmops.cost.prices.\"" + model + "\"." + field + " is negative: " + value);
        }
        return value;
    }

    /** The price of a model, or INVALID_ARGUMENT naming the priced models: an unpriced model is never free. */
    public Price require(String model) {
        Price price = prices.get(model);
        if (price == null) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("no price for model " + model + "; priced models: " + pricedModels)
                    .asRuntimeException();
        }
        return price;
    }

    /**
     * (prompt - cached) * input + cached * cached_input + completion * output, in nano-USD, rounded HALF_UP once.
     * Callers validate that counts are non-negative and cached <= prompt.
     */
    public long costNanos(String model, long promptTokens, long cachedPromptTokens, long completionTokens) {
        Price p = require(model);
        BigDecimal exact = p.inputNanos().multiply(BigDecimal.valueOf(promptTokens - cachedPromptTokens))
                .add(p.cachedInputNanos().multiply(BigDecimal.valueOf(cachedPromptTokens)))
                .add(p.outputNanos().multiply(BigDecimal.valueOf(completionTokens)));
        return toNanos(exact);
    }

    /** The most a request can cost: every prompt token at the full input price, every allowed completion token. */
    public long worstCaseNanos(String model, long promptTokens, long maxCompletionTokens) {
        return costNanos(model, promptTokens, 0, maxCompletionTokens);
    }

    private static long toNanos(BigDecimal exact) {
        try {
            return exact.setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("token counts too large: the cost does not fit in 64-bit nano-USD")
                    .asRuntimeException();
        }
    }
}
