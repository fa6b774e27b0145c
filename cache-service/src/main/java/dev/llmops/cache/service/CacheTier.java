package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;

/**
 * One level of the cache. Tiers are asked in priority order (highest {@code @Priority} first): the exact tier
 * now, a semantic tier (embeddings + HNSW) later. Requests reach a tier already validated, with the canonical
 * key computed; failures are mapped to gRPC statuses by {@link TieredCacheService}.
 */
public interface CacheTier {

    /** The metrics tag of this tier, e.g. "exact". */
    String name();

    /** The answer for this query, or null on a miss. */
    Uni<CachedAnswer> lookup(CacheQuery query, CacheKey key);

    /** Stores the answer; true when this tier kept it. */
    Uni<Boolean> store(CacheQuery query, CacheKey key, CachedAnswer answer, Duration ttl);

    /** Removes the tenant's entry for this key; returns how many entries were removed (0 or 1). */
    Uni<Long> invalidate(String tenantId, String hash);

    /** Removes every entry of the tenant; returns how many were removed. */
    Uni<Long> invalidateTenant(String tenantId);
}
