package dev.llmops.router.auth;

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
    VirtualKeys virtualKeys(KeyStore store, Redis redis, Vertx vertx, AccessConfig config) {
        return new VirtualKeys(store, redis, vertx, config.keyCacheTtl(), config.unknownKeyCacheTtl(),
                config.staleIfError(), config.keyCacheMaxEntries());
    }
}
