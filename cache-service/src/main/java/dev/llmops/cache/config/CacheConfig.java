package dev.llmops.cache.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Cache behaviour. Defaults live here and in application.properties (same values). */
@ConfigMapping(prefix = "llmops.cache")
public interface CacheConfig {

    /** TTL of an entry when the Store request gives none (ttl_seconds = 0). */
    @WithDefault("1h")
    Duration defaultTtl();

    /** Upper bound of any entry's TTL; longer requested TTLs are clamped to it. */
    @WithDefault("24h")
    Duration maxTtl();

    /** How long one Redis round trip may take before the call fails with UNAVAILABLE. */
    @WithDefault("500ms")
    Duration redisTimeout();

    /** How many entries one step of a tenant-wide invalidation deletes (bounds the time Redis is busy). */
    @WithDefault("500")
    int invalidateBatchSize();
}
