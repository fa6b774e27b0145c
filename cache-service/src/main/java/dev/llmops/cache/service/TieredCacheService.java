package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import dev.llmops.cache.config.CacheConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.quarkus.arc.All;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.InvalidateResponse;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;

/**
 * The cache as the router sees it: validates, computes the canonical key, asks the tiers in order, and maps
 * every failure to a gRPC status (bad input: INVALID_ARGUMENT; Redis down or slow: UNAVAILABLE).
 */
@ApplicationScoped
@Startup // checks the TTL config and registers the meters (zeros, not gaps) before the first call
public class TieredCacheService {

    private final List<TierMeters> tiers;
    private final CacheKeyFactory keys;
    private final RequestValidator validator;
    private final Duration defaultTtl;
    private final Duration maxTtl;

    public TieredCacheService(@All List<CacheTier> tiers, CacheKeyFactory keys, RequestValidator validator,
            CacheMetrics metrics, CacheConfig config) {
        if (tiers.isEmpty()) {
            throw new IllegalStateException("no CacheTier bean: at least the exact tier is needed");
        }
        if (config.defaultTtl().isNegative() || config.defaultTtl().isZero() || config.maxTtl().isNegative()
                || config.maxTtl().isZero() || config.defaultTtl().compareTo(config.maxTtl()) > 0) {
            throw new IllegalStateException("llmops.cache.default-ttl (" + config.defaultTtl()
                    + ") and llmops.cache.max-ttl (" + config.maxTtl() + ") must be > 0 and default <= max");
        }
        List<TierMeters> list = new ArrayList<>(tiers.size());
        for (CacheTier tier : tiers) { // @All gives them sorted by @Priority, highest first
            metrics.register(tier.name());
            list.add(new TierMeters(tier, metrics));
        }
        this.tiers = List.copyOf(list);
        this.keys = keys;
        this.validator = validator;
        this.defaultTtl = config.defaultTtl();
        this.maxTtl = config.maxTtl();
    }

    @WithSpan
    public Uni<LookupResponse> lookup(LookupRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateQuery(request.getQuery(), "query");
            CacheKey key = keys.keyOf(request.getQuery());
            LookupResponse.Builder miss = LookupResponse.newBuilder().setHit(false).setCacheKey(key.hash());
            return lookupFrom(0, request.getQuery(), key)
                    .map(answer -> answer == null ? miss.build() : miss.setHit(true).setAnswer(answer).build());
        }).onFailure().transform(e -> toStatus(e, "Lookup", "treat it as a cache miss"));
    }

    private Uni<CachedAnswer> lookupFrom(int index, CacheQuery query, CacheKey key) {
        if (index == tiers.size()) {
            return Uni.createFrom().nullItem();
        }
        TierMeters t = tiers.get(index);
        long start = System.nanoTime();
        return t.tier.lookup(query, key)
                .onItemOrFailure().invoke((answer, failure) -> {
                    t.lookupTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                    (failure != null ? t.lookupError : answer != null ? t.hit : t.miss).increment();
                })
                .flatMap(answer -> answer != null ? Uni.createFrom().item(answer) : lookupFrom(index + 1, query, key));
    }

    @WithSpan
    public Uni<StoreResponse> store(StoreRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateStore(request);
            CacheKey key = keys.keyOf(request.getQuery());
            Duration ttl = ttlOf(request.getTtlSeconds());
            CachedAnswer answer = request.getAnswer();
            if (answer.getCreatedUnixMs() == 0) {
                answer = answer.toBuilder().setCreatedUnixMs(System.currentTimeMillis()).build();
            }
            return storeFrom(0, request.getQuery(), key, answer, ttl, false)
                    .map(stored -> StoreResponse.newBuilder().setCacheKey(key.hash()).setStored(stored).build());
        }).onFailure().transform(e -> toStatus(e, "Store", "the answer was not cached"));
    }

    private Uni<Boolean> storeFrom(int index, CacheQuery query, CacheKey key, CachedAnswer answer, Duration ttl,
            boolean storedSoFar) {
        if (index == tiers.size()) {
            return Uni.createFrom().item(storedSoFar);
        }
        TierMeters t = tiers.get(index);
        return t.tier.store(query, key, answer, ttl)
                .onItemOrFailure().invoke((stored, failure) ->
                        (failure != null ? t.storeError : Boolean.TRUE.equals(stored) ? t.stored : t.skipped)
                                .increment())
                .flatMap(stored -> storeFrom(index + 1, query, key, answer, ttl, storedSoFar || stored));
    }

    @WithSpan
    public Uni<InvalidateResponse> invalidate(InvalidateRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateInvalidate(request);
            return invalidateFrom(0, request.getTenantId(), request.getCacheKey(), 0L)
                    .map(removed -> InvalidateResponse.newBuilder().setRemoved(removed).build());
        }).onFailure().transform(e -> toStatus(e, "Invalidate", "retry it"));
    }

    private Uni<Long> invalidateFrom(int index, String tenantId, String hash, long removedSoFar) {
        if (index == tiers.size()) {
            return Uni.createFrom().item(removedSoFar);
        }
        TierMeters t = tiers.get(index);
        boolean one = !hash.isEmpty();
        Uni<Long> call = one ? t.tier.invalidate(tenantId, hash) : t.tier.invalidateTenant(tenantId);
        return call.invoke(removed -> {
            (one ? t.invalidateKey : t.invalidateTenant).increment();
            t.invalidatedEntries.increment(removed);
        }).flatMap(removed -> invalidateFrom(index + 1, tenantId, hash, removedSoFar + removed));
    }

    /** 0 means the default; longer than the maximum is clamped to it. */
    Duration ttlOf(int ttlSeconds) {
        if (ttlSeconds == 0) {
            return defaultTtl;
        }
        Duration requested = Duration.ofSeconds(ttlSeconds);
        return requested.compareTo(maxTtl) > 0 ? maxTtl : requested;
    }

    private static Throwable toStatus(Throwable e, String rpc, String advice) {
        if (e instanceof StatusRuntimeException) {
            return e;
        }
        Log.warnf("%s failed, Redis unreachable or too slow: %s", rpc, e.toString());
        return Status.UNAVAILABLE
                .withDescription("cache storage (Redis) is unavailable: " + e.getMessage() + "; " + advice)
                .withCause(e)
                .asRuntimeException();
    }

    private static final class TierMeters {
        final CacheTier tier;
        final Counter hit;
        final Counter miss;
        final Counter lookupError;
        final Counter stored;
        final Counter skipped;
        final Counter storeError;
        final Counter invalidateKey;
        final Counter invalidateTenant;
        final Counter invalidatedEntries;
        final Timer lookupTimer;

        TierMeters(CacheTier tier, CacheMetrics m) {
            String n = tier.name();
            this.tier = tier;
            hit = m.lookups(n, "hit");
            miss = m.lookups(n, "miss");
            lookupError = m.lookups(n, "error");
            stored = m.stores(n, "stored");
            skipped = m.stores(n, "skipped");
            storeError = m.stores(n, "error");
            invalidateKey = m.invalidations(n, "key");
            invalidateTenant = m.invalidations(n, "tenant");
            invalidatedEntries = m.invalidatedEntries(n);
            lookupTimer = m.lookupTimer(n);
        }
    }
}
