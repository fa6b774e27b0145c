package dev.llmops.cost.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Prices and budgets. Every amount is a decimal string so nothing passes through a double. */
@ConfigMapping(prefix = "llmops.cost")
public interface CostConfig {

    /** Price per model, keyed by the exact model name the router sends: {@code llmops.cost.prices."gpt-4o".*}. */
    Map<String, ModelPrice> prices();

    Budgets budgets();

    /** How long a Redis call may take before the RPC fails with UNAVAILABLE. */
    @WithDefault("PT2S")
    Duration redisTimeout();

    interface ModelPrice {
        /** USD per million prompt tokens not served from the provider's prompt cache. */
        BigDecimal inputUsdPerMtok();

        /** USD per million completion tokens (reasoning tokens included). */
        BigDecimal outputUsdPerMtok();

        /** USD per million prompt tokens read from the provider's prompt cache; absent means the input price. */
        Optional<BigDecimal> cachedInputUsdPerMtok();
    }

    interface Budgets {
        /** Limit of a key without an override, in USD, or {@code unlimited}. */
        @WithDefault("100")
        String defaultKeyLimitUsd();

        /** Per key id: a USD limit, {@code unlimited}, or {@code -1} for the default. */
        Map<String, String> keys();

        /** An abandoned reservation stops counting after this long. */
        @WithDefault("PT15M")
        Duration reservationTtl();

        /** How long a settled cost is remembered, so a repeated Settle adds nothing. */
        @WithDefault("P7D")
        Duration settledTtl();
    }
}
