package dev.llmops.router.client;

import dev.llmops.cache.repository.ExactCacheRepository;
import dev.llmops.cache.service.CacheKeyFactory;
import dev.llmops.router.config.RouterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;

/**
 * Reads the cache-service's exact tier straight from Redis, through the cache-service's own key and entry classes
 * (its {@code exact-tier} jar, so the key format and the layout have one definition): an exact lookup costs the
 * router one Redis GET instead of a Lookup call to the cache-service, which would make the same GET. Stores, the
 * semantic tier, invalidation and the per-tenant bounds stay with the cache-service. As with the cache-service's
 * Lookup, an unreadable entry or a Redis failure is a miss: the cache is an optimisation.
 * <p>
 * Prometheus: {@code llmops_router_cache_exact_reads_total{result=hit|miss|error}}.
 */
@Singleton
public class ExactCacheReads {
    private final CacheKeyFactory keys = new CacheKeyFactory();
    private final ExactCacheRepository entries;
    private final Counter hits;
    private final Counter misses;
    private final Counter errors;

    @Inject
    public ExactCacheReads(ReactiveRedisDataSource redis, RouterConfig config, MeterRegistry registry) {
        this(redis.getRedis(), config.cacheKeyPrefix(), config.deadlines().cache(), registry);
    }

    /**
     * @param prefix the cache-service's Redis key prefix (its {@code llmops.redis.key-prefix})
     */
    public ExactCacheReads(Redis redis, String prefix, Duration timeout, MeterRegistry registry) {
        this.entries = new ExactCacheRepository(redis, prefix, timeout);
        this.hits = counter(registry, "hit");
        this.misses = counter(registry, "miss");
        this.errors = counter(registry, "error");
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("llmops_router_cache_exact_reads_total").tag("result", result).register(registry);
    }

    /** The live exact-tier answer to this query, or null (a miss, an unreadable entry, Redis down or slow). */
    public Uni<CachedAnswer> lookup(CacheQuery query) {
        return entries.get(keys.keyOf(query)).invoke(answer -> (answer == null ? misses : hits).increment())
                .onFailure().recoverWithItem(e -> {
                    errors.increment();
                    Log.warnf("exact-cache read failed, treated as a miss: %s", e.getMessage());
                    return null;
                });
    }
}
