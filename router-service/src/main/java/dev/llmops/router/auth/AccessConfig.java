package dev.llmops.router.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Virtual keys, the admin credential and rate limits, under {@code llmops.router.access}. */
@ConfigMapping(prefix = "llmops.router.access")
public interface AccessConfig {

    /** Lower-case hex SHA-256 of the admin key; without it the admin service refuses every call. */
    Optional<String> adminKeySha256();

    /** How long a replica trusts a key looked up in Redis before asking again (pub/sub invalidates sooner). */
    @WithDefault("5s")
    Duration keyCacheTtl();

    /** How long an unknown key is remembered as unknown (spares Redis from floods of bad keys). */
    @WithDefault("1s")
    Duration unknownKeyCacheTtl();

    /** How long a known key keeps working from the local cache while Redis cannot be reached. */
    @WithDefault("10m")
    Duration staleIfError();

    @WithDefault("100000")
    int keyCacheMaxEntries();

    /** Deadline of one Redis call on the request path (key lookup, limit check). */
    @WithDefault("250ms")
    Duration redisTimeout();

    /**
     * What the rate limiter does when Redis cannot be reached: {@code open} lets requests through (limits are not
     * enforced meanwhile), {@code closed} refuses them with UNAVAILABLE.
     */
    @WithDefault("open")
    FailurePolicy limitsOnRedisFailure();

    enum FailurePolicy {
        OPEN, CLOSED
    }
}
