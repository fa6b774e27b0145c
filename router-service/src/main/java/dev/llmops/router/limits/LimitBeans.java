package dev.llmops.router.limits;

import dev.llmops.router.auth.AccessConfig;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the plain {@link RateLimiter} (kept free of CDI so tests build it against a real Redis) into the app. */
@ApplicationScoped
public class LimitBeans {

    @Produces
    @Singleton
    RateLimiter rateLimiter(Redis redis, AccessConfig config,
                            @ConfigProperty(name = "llmops.redis.key-prefix") String prefix) {
        return new RateLimiter(redis, prefix, config.redisTimeout(), config.limitsOnRedisFailure(), Duration.ofMinutes(1));
    }
}
