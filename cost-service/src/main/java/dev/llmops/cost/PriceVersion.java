package dev.llmops.cost;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One price of one model from one instant on, for every tenant ({@code tenantId} empty) or one tenant.
 * Rates are USD per million tokens, exact decimals.
 */
public record PriceVersion(String model, String tenantId, Instant effectiveFrom, Rates base,
        long tierAbovePromptTokens, Rates tier, String source) {

    /** USD per million tokens for each kind of token. */
    public record Rates(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output,
            BigDecimal reasoning) {
    }

    /** The rates that apply to a request with this many prompt tokens (the long-context tier above its threshold). */
    public Rates ratesFor(long promptTokens) {
        return tier != null && tierAbovePromptTokens > 0 && promptTokens > tierAbovePromptTokens ? tier : base;
    }
}
