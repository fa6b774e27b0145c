package dev.llmops.guardrail.repository;

import dev.llmops.guardrail.config.GuardrailConfig;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every Redis key this service writes, in one place. Keys of one tenant share the hash tag {@code {tenant}} so a
 * Lua script touching several of them works on Redis Cluster.
 */
@Singleton
public class RedisKeys {
    private final String prefix;

    /** The prefix is {@code llmops.guardrail.redis-key-prefix} where set (the router), else {@code llmops.redis.key-prefix}. */
    public RedisKeys(GuardrailConfig config, @ConfigProperty(name = "llmops.redis.key-prefix") String prefix) {
        this.prefix = config.redisKeyPrefix().orElse(prefix);
    }

    /** Hash: version, body (TenantPolicy protobuf). */
    public String policy(String tenant) {
        return prefix + "policy:{" + tenant + "}";
    }

    /** List of earlier policy bodies, newest first, capped. */
    public String policyHistory(String tenant) {
        return prefix + "policy-history:{" + tenant + "}";
    }

    /** Hash placeholder to original, with a TTL. */
    public String vault(String tenant, String requestId) {
        return prefix + "vault:{" + tenant + "}:" + requestId;
    }

    /** Hash: one review item (ReviewItem protobuf in field "body", state in "state"). */
    public String review(String reviewId) {
        return prefix + "review:" + reviewId;
    }

    /** Sorted set of review ids by creation time, per tenant and state. */
    public String reviewIndex(String tenant, String state) {
        return prefix + "reviews:{" + tenant + "}:" + state;
    }

    /** Hash of counters per cohort: "<value>|checks", "<value>|blocked", "<value>|flagged". */
    public String fairness(String tenant, String tagKey) {
        return prefix + "fairness:{" + tenant + "}:" + tagKey;
    }

    /** Set of tag keys seen per tenant (for listing). */
    public String fairnessKeys(String tenant) {
        return prefix + "fairness-keys:{" + tenant + "}";
    }
}
