package dev.llmops.router.auth;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the plain key-store classes (kept free of CDI so tests build them against a real Redis) into the app. */
@ApplicationScoped
public class KeyStoreBeans {

    @Produces
    @Singleton
    KeyStore keyStore(Redis redis, AccessConfig config, @ConfigProperty(name = "llmops.redis.key-prefix") String prefix) {
        return new KeyStore(redis, prefix, config.redisTimeout());
    }

    @Produces
    @Singleton
    VirtualKeys virtualKeys(KeyStore store, Redis redis, Vertx vertx, AccessConfig config, MeterRegistry registry) {
        VirtualKeys keys = new VirtualKeys(store, redis, vertx, config.keyCacheTtl(), config.unknownKeyCacheTtl(),
                config.staleIfError(), config.keyCacheMaxEntries());
        FunctionCounter.builder("llmops_router_key_stale_served_total", keys, VirtualKeys::staleServed)
                .description("virtual keys accepted from the local cache because Redis was unavailable").register(registry);
        Gauge.builder("llmops_router_key_invalidations_subscribed", keys, k -> k.subscribed() ? 1 : 0)
                .description("1 while this replica listens for key revocations and updates").register(registry);
        return keys;
    }
}
