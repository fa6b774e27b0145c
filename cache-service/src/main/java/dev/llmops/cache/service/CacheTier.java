package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import dev.llmops.cache.repository.EntryMetaRepository;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.CachedAnswer;

/**
 * One level of the cache. Tiers are asked in priority order (highest {@code @Priority} first): the exact tier,
 * then the semantic tier (embeddings + nearest-neighbour index). Requests reach a tier already validated, with
 * the canonical key computed; failures are mapped to gRPC statuses by {@link TieredCacheService}.
 */
public interface CacheTier {

    /** The metrics tag of this tier, e.g. "exact". */
    String name();

    /** What LookupResponse.tier says when this tier answers. */
    CacheTierKind kind();

    /** The answer for this query, or null on a miss. */
    Uni<Hit> lookup(CacheQuery query, CacheKey key, TierOptions options);

    /** False when the request's options leave this tier out: it is then neither asked nor counted. */
    default boolean applies(TierOptions options) {
        return true;
    }

    /**
     * Stores the answer. The metadata every tier shares (tags, documents, age, size bound) is recorded by the
     * exact tier in the same Redis call as its entry; other tiers ignore it.
     */
    Uni<Stored> store(CacheQuery query, CacheKey key, CachedAnswer answer, Duration ttl, TierOptions options,
            EntryMetaRepository.Record meta);

    /** True when this tier's store already deletes its own copies of the entries the size bound evicted. */
    default boolean removesEvictedOnStore() {
        return false;
    }

    /** Removes the tenant's entry for this key; returns how many entries were removed (0 or 1). */
    Uni<Long> invalidate(String tenantId, String hash);

    /** Removes the tenant's entries for these keys; returns how many were removed. One by one unless overridden. */
    default Uni<Long> invalidateAll(String tenantId, List<String> hashes) {
        return invalidateFrom(tenantId, hashes, 0, 0L);
    }

    /** Each after the previous answered (built as it goes: thousands of keys never make a deep chain). */
    private Uni<Long> invalidateFrom(String tenantId, List<String> hashes, int i, long soFar) {
        if (i == hashes.size()) {
            return Uni.createFrom().item(soFar);
        }
        return invalidate(tenantId, hashes.get(i)).flatMap(n -> invalidateFrom(tenantId, hashes, i + 1, soFar + n));
    }

    /** Removes every entry of the tenant; returns how many were removed. */
    Uni<Long> invalidateTenant(String tenantId);

    /** A hit: the answer, how similar the cached question is (1 for exact), and the key it was stored under. */
    record Hit(CachedAnswer answer, double similarity, String entryHash) {
    }

    /** Whether this tier kept the answer, and the keys the size bound evicted (to remove from every tier). */
    record Stored(boolean stored, List<String> evicted) {
        public static final Stored SKIPPED = new Stored(false, List.of());
    }

    /** Per-request options resolved from SemanticOptions and the config. */
    record TierOptions(boolean semantic, double minSimilarity, String policy) {
        public static final TierOptions EXACT_ONLY = new TierOptions(false, 1.0, "");
    }
}
