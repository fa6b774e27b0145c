package dev.llmops.cost.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every Redis key this service writes starts with {@link #keyPrefix()}. */
@ConfigMapping(prefix = "llmops.redis")
public interface RedisKeyConfig {
    @WithDefault("llmops:cost:")
    String keyPrefix();
}
