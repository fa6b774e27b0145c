package dev.llmops.cost.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Prices, budgets and policies. Every amount is a decimal string so nothing passes through a double. */
@ConfigMapping(prefix = "llmops.cost")
public interface CostConfig {

    /**
     * Extra prices per model on top of the shipped catalog ({@code prices/catalog.json}), in force since the epoch:
     * {@code llmops.cost.prices."gpt-4o".*}. A config price replaces the catalog's for that model.
     */
    Map<String, ModelPrice> prices();

    Budgets budgets();

    Alerts alerts();

    /** How long a Redis call may take before the RPC fails with UNAVAILABLE (or fails open). */
    @WithDefault("PT2S")
    Duration redisTimeout();

    /** {@code fail-closed} (no Redis, no request) or {@code fail-open} (let requests through, log the exposure). */
    @WithDefault("fail-closed")
    String redisFailurePolicy();

    /** How often admin-set prices are re-read from PostgreSQL (other replicas' changes arrive within this). */
    @WithDefault("PT5S")
    Duration priceRefresh();

    /** How often the Redis run_id is checked; a new run_id (Redis restarted empty) rebuilds budgets from the ledger. */
    @WithDefault("PT10S")
    Duration reconcileInterval();

    /** The premium model that routing savings are measured against. */
    @WithDefault("gpt-4o")
    String baselineModel();

    Ledger ledger();

    interface ModelPrice {
        /** USD per million prompt tokens not served from the provider's prompt cache. */
        BigDecimal inputUsdPerMtok();

        /** USD per million completion tokens (reasoning tokens included unless a reasoning price is set). */
        BigDecimal outputUsdPerMtok();

        /** USD per million prompt tokens read from the provider's prompt cache; absent means the input price. */
        Optional<BigDecimal> cachedInputUsdPerMtok();

        /** USD per million prompt tokens written to the provider's prompt cache; absent means the input price. */
        Optional<BigDecimal> cacheWriteUsdPerMtok();

        /** USD per million reasoning tokens; absent means the output price. */
        Optional<BigDecimal> reasoningUsdPerMtok();
    }

    interface Budgets {
        /** Limit of a key without a rule or override, in USD, or {@code unlimited}. Lifetime (total). */
        @WithDefault("100")
        String defaultKeyLimitUsd();

        /** Per key id: a USD limit, {@code unlimited}, or {@code -1} for the default. Lifetime (total). */
        Map<String, String> keys();

        /**
         * Budget rules by id: {@code tenant/<tenant>}, {@code team/<tenant>/<team>}, {@code key/<key>},
         * {@code user/<tenant>/<user>}; {@code team/<tenant>/*} and {@code user/<tenant>/*} apply to every team or
         * end user of the tenant that has no rule of its own.
         */
        Map<String, Rule> rules();

        /** An abandoned reservation stops counting after this long. */
        @WithDefault("PT15M")
        Duration reservationTtl();

        /** How long a settled cost is remembered, so a repeated Settle adds nothing. */
        @WithDefault("P7D")
        Duration settledTtl();
    }

    interface Rule {
        /** USD, or {@code unlimited}. */
        String limitUsd();

        /** {@code total}, {@code daily} or {@code monthly} (calendar periods in UTC). */
        @WithDefault("total")
        String period();

        /** A hard budget refuses requests past its limit; a soft one only alerts. */
        @WithDefault("true")
        boolean hard();
    }

    interface Ledger {
        /** Most events written in one INSERT. */
        @WithDefault("500")
        int batchSize();

        /**
         * Unacked messages the broker sends ahead (basic.qos). A message is a batch (up to 512 events from the router)
         * or, from an older producer, one event.
         */
        @WithDefault("32")
        int prefetch();

        /** How long the first event of a batch waits for more. */
        @WithDefault("PT0.005S")
        Duration batchLinger();
    }

    /** Budget alerts go to RabbitMQ always, and also to a webhook when a URL is set. */
    interface Alerts {
        /** POST target for each alert as JSON (none = no webhook). */
        Optional<String> webhookUrl();

        /** Attempts per alert, the first included (retried on a connection error, a timeout, 408, 429 or 5xx). */
        @WithDefault("4")
        int webhookAttempts();

        /** Pause before the first retry; doubled for each next one. */
        @WithDefault("PT0.5S")
        Duration webhookBackoff();

        /** How long one attempt may take. */
        @WithDefault("PT5S")
        Duration webhookTimeout();

        /** Alerts being delivered at once at most; beyond that new ones are dropped (logged and counted). */
        @WithDefault("1000")
        int webhookMaxPending();
    }
}
