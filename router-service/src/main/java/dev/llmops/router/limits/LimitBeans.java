package dev.llmops.router.limits;

import dev.llmops.router.auth.AccessConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
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
    RateLimiter rateLimiter(Redis redis, AccessConfig config, MeterRegistry registry,
                            @ConfigProperty(name = "llmops.redis.key-prefix") String prefix) {
        RateLimiter limiter = new RateLimiter(redis, prefix, config.redisTimeout(), config.limitsOnRedisFailure(),
                Duration.ofMinutes(1));
        FunctionCounter.builder("llmops_router_limit_rejections_total", limiter, RateLimiter::deniedRpm)
                .tag("limit", "rpm").description("requests refused by a key's RPM limit").register(registry);
        FunctionCounter.builder("llmops_router_limit_rejections_total", limiter, RateLimiter::deniedTpm)
                .tag("limit", "tpm").description("requests refused by a key's TPM limit").register(registry);
        FunctionCounter.builder("llmops_router_limit_redis_failures_total", limiter, RateLimiter::redisFailures)
                .description("limit checks or corrections that Redis did not answer").register(registry);
        return limiter;
    }
}
