package dev.llmops.cache.semantic;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmops.cache.CacheKey;
import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.SemanticConfig;
import dev.llmops.cache.repository.EntryMetaRepository;
import dev.llmops.cache.repository.SemanticCacheRepository;
import dev.llmops.cache.service.CacheTier;
import io.micrometer.core.instrument.Counter;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.CachedAnswer;

/**
 * The semantic tier: the last user turn is embedded, the nearest cached questions of the same scope (tenant,
 * model class, instructions, tools, earlier turns, parameter bands; see {@link SemanticScope}) are taken from
 * this replica's index, and the best one above the threshold that passes the second stage
 * ({@link NearDuplicateCheck}) answers. Entries live in Redis under the tenant's key, so even a wrong index could
 * not return another tenant's answer. Asked only after the exact tier missed, and only when the request opts in.
 */
@ApplicationScoped
@Priority(SemanticCacheService.PRIORITY)
public class SemanticCacheService implements CacheTier {
    public static final int PRIORITY = 500;

    private final Embedder embedder;
    private final IndexSync sync;
    private final SemanticCacheRepository repository;
    private final SemanticMetrics metrics;
    private final NearDuplicateCheck check = new NearDuplicateCheck();
    private final Map<String, Counter> rejections = new HashMap<>();
    private final boolean verify;
    private final int candidates;
    private final int batchSize;

    public SemanticCacheService(Embedder embedder, IndexSync sync, SemanticCacheRepository repository,
            SemanticMetrics metrics, SemanticConfig config, CacheConfig cacheConfig) {
        this.embedder = embedder;
        this.sync = sync;
        this.repository = repository;
        this.metrics = metrics;
        this.verify = config.verify();
        this.candidates = Math.max(1, config.candidates());
        this.batchSize = Math.max(1, cacheConfig.invalidateBatchSize());
        for (String r : new String[] {"number", "negation", "direction", "entity", "substitution"}) {
            rejections.put(r, metrics.rejection(r));
        }
    }

    @Override
    public String name() {
        return "semantic";
    }

    @Override
    public CacheTierKind kind() {
        return CacheTierKind.CACHE_TIER_KIND_SEMANTIC;
    }

    @Override
    public boolean applies(TierOptions options) {
        return options.semantic();
    }

    @Override
    public Uni<Hit> lookup(CacheQuery query, CacheKey key, TierOptions options) {
        if (!options.semantic()) {
            return Uni.createFrom().nullItem();
        }
        SemanticScope scope = SemanticScope.of(query);
        if (scope == null) {
            return Uni.createFrom().nullItem();
        }
        return embed(scope.text()).flatMap(vector -> {
            if (vector == null) {
                return Uni.createFrom().nullItem();
            }
            metrics.query(vector);
            List<VectorIndex.Hit> near = sync.index().search(scope.scope(), vector, candidates,
                    System.currentTimeMillis());
            metrics.nearest.record(near.isEmpty() ? 0 : near.get(0).similarity());
            List<VectorIndex.Hit> above = new ArrayList<>(near.size());
            for (VectorIndex.Hit h : near) {
                if (h.similarity() >= options.minSimilarity() && h.tenant().equals(key.tenantId())) {
                    above.add(h);
                }
            }
            if (above.isEmpty()) {
                return Uni.createFrom().nullItem();
            }
            List<String> hashes = above.stream().map(VectorIndex.Hit::hash).toList();
            return repository.answers(key.tenantId(), hashes).map(stored -> choose(scope, key, above, stored));
        }).onFailure().recoverWithItem(e -> {
            // The semantic tier is an optimisation: its failure is a miss, never a failed request.
            metrics.failures.increment();
            Log.warnf("semantic lookup failed, treated as a miss: %s", e.toString());
            return null;
        });
    }

    private Hit choose(SemanticScope scope, CacheKey key, List<VectorIndex.Hit> above,
            List<SemanticCacheRepository.Stored> stored) {
        for (int i = 0; i < above.size(); i++) {
            SemanticCacheRepository.Stored s = stored.get(i);
            VectorIndex.Hit h = above.get(i);
            if (s == null) {
                sync.index().remove(key.tenantId(), h.hash()); // expired or invalidated: the stream will say so too
                continue;
            }
            if (verify) {
                String reason = check.reject(scope.text(), s.text());
                if (reason != null) {
                    rejections.get(reason).increment();
                    continue;
                }
            }
            try {
                return new Hit(CachedAnswer.parseFrom(s.answer()), h.similarity(), h.hash());
            } catch (InvalidProtocolBufferException e) {
                Log.warnf("Unreadable semantic entry for tenant %s key %s, skipped: %s", key.tenantId(), h.hash(),
                        e.getMessage());
            }
        }
        return null;
    }

    @Override
    public Uni<Stored> store(CacheQuery query, CacheKey key, CachedAnswer answer, Duration ttl,
            TierOptions options, EntryMetaRepository.Record meta) {
        if (!options.semantic()) {
            return Uni.createFrom().item(Stored.SKIPPED);
        }
        SemanticScope scope = SemanticScope.of(query);
        if (scope == null) {
            return Uni.createFrom().item(Stored.SKIPPED);
        }
        return embed(scope.text()).flatMap(vector -> {
            if (vector == null) {
                return Uni.createFrom().item(Stored.SKIPPED);
            }
            return repository.put(key.tenantId(), key.hash(), scope.scope(), vector, scope.text(),
                    answer.toByteArray(), ttl).map(expiresAt -> {
                        // Visible here at once; other replicas learn it from the change stream.
                        sync.index().add(key.tenantId(), key.hash(), scope.scope(), vector, expiresAt);
                        metrics.stored(vector);
                        return new Stored(true, List.of());
                    });
        }).onFailure().recoverWithItem(e -> {
            metrics.failures.increment();
            Log.warnf("semantic store failed, the answer is only in the exact tier: %s", e.toString());
            return Stored.SKIPPED;
        });
    }

    /** The embedding, or null when the embedding pool is saturated (the tier is skipped, not failed). */
    private Uni<float[]> embed(String text) {
        float[] known = embedder.recent(text);
        if (known != null) { // computed moments ago, typically by the Lookup that missed before this Store
            metrics.embedReused.increment();
            return Uni.createFrom().item(known);
        }
        long start = System.nanoTime();
        return embedder.embed(text)
                .invoke(v -> metrics.embed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS))
                .onFailure(Embedder.Overloaded.class).recoverWithItem(() -> {
                    metrics.overloaded.increment();
                    return null;
                });
    }

    @Override
    public Uni<Long> invalidate(String tenantId, String hash) {
        return invalidateAll(tenantId, List.of(hash));
    }

    /** One Redis call per {@code invalidate-batch-size} keys (a StoreBatch's evictions, an Invalidate by tag). */
    @Override
    public Uni<Long> invalidateAll(String tenantId, List<String> hashes) {
        return invalidateChunks(tenantId, hashes, 0, 0L);
    }

    private Uni<Long> invalidateChunks(String tenantId, List<String> hashes, int from, long soFar) {
        if (from >= hashes.size()) {
            return Uni.createFrom().item(soFar);
        }
        List<String> chunk = hashes.subList(from, Math.min(hashes.size(), from + batchSize));
        return repository.delete(tenantId, chunk)
                .invoke(() -> chunk.forEach(hash -> sync.index().remove(tenantId, hash)))
                .flatMap(n -> invalidateChunks(tenantId, hashes, from + batchSize, soFar + n));
    }

    @Override
    public Uni<Long> invalidateTenant(String tenantId) {
        return invalidateBatches(tenantId, 0L).call(removed -> {
            sync.index().removeTenant(tenantId);
            return repository.announceTenantCleared(tenantId);
        });
    }

    private Uni<Long> invalidateBatches(String tenantId, long soFar) {
        return repository.hashes(tenantId, batchSize).flatMap(hashes -> hashes.isEmpty()
                ? Uni.createFrom().item(soFar)
                : repository.delete(tenantId, hashes).flatMap(n -> invalidateBatches(tenantId, soFar + n)));
    }
}
