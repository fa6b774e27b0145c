package dev.llmops.cache.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Redis key namespace of this service. */
@ConfigMapping(prefix = "llmops.redis")
public interface RedisKeyConfig {

    /** Every Redis key this service writes starts with it. Must not contain '{' or '}' (hash tags). */
    @WithDefault("llmops:cache:")
    String keyPrefix();
}
