package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.repository.EntryMetaRepository;
import dev.llmops.cache.repository.ExactCacheRepository;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.CachedAnswer;

/** The exact tier: a hit needs the same tenant, model, messages and parameters, byte for byte. */
@ApplicationScoped
@Priority(ExactCacheService.PRIORITY)
public class ExactCacheService implements CacheTier {
    /** Asked before any semantic tier: it is cheaper and never wrong. */
    public static final int PRIORITY = 1000;

    private final ExactCacheRepository repository;
    private final int batchSize;

    public ExactCacheService(ExactCacheRepository repository, CacheConfig config) {
        this.repository = repository;
        this.batchSize = Math.max(1, config.invalidateBatchSize());
    }

    @Override
    public String name() {
        return "exact";
    }

    @Override
    public CacheTierKind kind() {
        return CacheTierKind.CACHE_TIER_KIND_EXACT;
    }

    @Override
    public Uni<Hit> lookup(CacheQuery query, CacheKey key, TierOptions options) {
        return repository.get(key).map(answer -> answer == null ? null : new Hit(answer, 1.0, key.hash()))
                .onFailure(ExactCacheRepository.UnreadableEntryException.class).recoverWithItem(e -> {
                    Log.warnf("%s; treated as a miss", e.getMessage());
                    return null;
                });
    }

    @Override
    public Uni<Stored> store(CacheQuery query, CacheKey key, CachedAnswer answer, Duration ttl,
            TierOptions options, EntryMetaRepository.Record meta) {
        return repository.put(key, answer.toByteArray(), ttl, meta).map(evicted -> new Stored(true, evicted));
    }

    /** Its PUT script deletes the evicted entries in the same call. */
    @Override
    public boolean removesEvictedOnStore() {
        return true;
    }

    @Override
    public Uni<Long> invalidate(String tenantId, String hash) {
        return repository.delete(tenantId, List.of(hash));
    }

    @Override
    public Uni<Long> invalidateTenant(String tenantId) {
        return invalidateBatches(tenantId, 0L);
    }

    // Batch after batch, so Redis is never blocked by one huge delete. Stops when the index is empty.
    private Uni<Long> invalidateBatches(String tenantId, long removedSoFar) {
        return repository.indexedHashes(tenantId, batchSize).flatMap(hashes -> {
            if (hashes.isEmpty()) {
                return Uni.createFrom().item(removedSoFar);
            }
            return repository.delete(tenantId, hashes)
                    .flatMap(removed -> invalidateBatches(tenantId, removedSoFar + removed));
        });
    }
}
