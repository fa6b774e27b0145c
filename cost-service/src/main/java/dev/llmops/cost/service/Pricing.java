package dev.llmops.cost.service;

import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.PriceVersion.Rates;
import io.grpc.Status;
import java.math.BigDecimal;
import java.math.RoundingMode;
import llmops.common.v1.TokenUsage;

/**
 * Tokens into money at one price version: exact BigDecimal, rounded HALF_UP to whole nano-USD once. Pure (no
 * service state), so the router prices a response with the same code (this class is in the cost-service's
 * {@code pricing} jar) at the version the Reserve answered.
 */
public final class Pricing {
    /** USD per million tokens to nano-USD per token: 1e9 / 1e6. */
    private static final BigDecimal NANOS_PER_USD_PER_MTOK = BigDecimal.valueOf(1000);

    private Pricing() {
    }

    /**
     * uncached input + cached reads + cache writes + (completion - reasoning) at the output price + reasoning at
     * the reasoning price; every token at the long-context tier's rates when the prompt is above its threshold.
     * Callers validate that counts are non-negative and that the subsets fit their totals.
     */
    public static long costNanos(PriceVersion price, TokenUsage u) {
        Rates r = price.ratesFor(u.getPromptTokens());
        long uncached = u.getPromptTokens() - u.getCachedPromptTokens() - u.getCacheWriteTokens();
        BigDecimal usdMicro = r.input().multiply(BigDecimal.valueOf(uncached))
                .add(r.cachedInput().multiply(BigDecimal.valueOf(u.getCachedPromptTokens())))
                .add(r.cacheWrite().multiply(BigDecimal.valueOf(u.getCacheWriteTokens())))
                .add(r.output().multiply(BigDecimal.valueOf(u.getCompletionTokens() - u.getReasoningTokens())))
                .add(r.reasoning().multiply(BigDecimal.valueOf(u.getReasoningTokens())));
        return toNanos(usdMicro.multiply(NANOS_PER_USD_PER_MTOK));
    }

    /**
     * The most a request can cost: every prompt token uncached at the input price (of the tier it would fall
     * in), every allowed completion token at the dearer of output and reasoning.
     */
    public static long worstCaseNanos(PriceVersion price, long promptTokens, long maxCompletionTokens) {
        Rates r = price.ratesFor(promptTokens);
        BigDecimal input = r.input().max(r.cacheWrite());
        BigDecimal out = r.output().max(r.reasoning());
        return toNanos(input.multiply(BigDecimal.valueOf(promptTokens))
                .add(out.multiply(BigDecimal.valueOf(maxCompletionTokens))).multiply(NANOS_PER_USD_PER_MTOK));
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
