package dev.llmops.cache.service;

import dev.llmops.cache.CacheKey;
import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.SemanticConfig;
import dev.llmops.cache.repository.EntryMetaRepository;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.arc.All;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.InvalidateResponse;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.SemanticOptions;
import llmops.cache.v1.StoreBatchRequest;
import llmops.cache.v1.StoreBatchResponse;
import llmops.cache.v1.StoreOutcome;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;

/**
 * The cache as the router sees it: validates, computes the canonical key, asks the tiers in order, applies the
 * never-cache rules, keeps the shared metadata (tags, documents, age, per-tenant size bound), and maps every
 * failure to a gRPC status (bad input: INVALID_ARGUMENT; Redis down or slow: UNAVAILABLE).
 */
@ApplicationScoped
@Startup // checks the TTL config and registers the meters (zeros, not gaps) before the first call
public class TieredCacheService {
    /** The most stores one StoreBatch may carry. */
    public static final int MAX_BATCH = 256;
    /** How many stores of one batch run at once (each is one or two Redis calls). */
    static final int BATCH_CONCURRENCY = 16;
    private static final String NOT_CACHED = "the answer was not cached";

    private final List<TierMeters> tiers;
    /** The tiers whose store leaves evicted entries for the service to remove. */
    private final List<TierMeters> evictingTiers;
    private final CacheKeyFactory keys;
    private final RequestValidator validator;
    private final EntryMetaRepository meta;
    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final SemanticConfig semantic;
    private final Set<String> optedOutTenants;
    private final Counter evictions;
    private final DistributionSummary batchSizes;
    private final CacheMetrics metrics;

    public TieredCacheService(@All List<CacheTier> tiers, CacheKeyFactory keys, RequestValidator validator,
            CacheMetrics metrics, CacheConfig config, SemanticConfig semantic, EntryMetaRepository meta) {
        if (tiers.isEmpty()) {
            throw new IllegalStateException("no CacheTier bean: at least the exact tier is needed");
        }
        if (config.defaultTtl().isNegative() || config.defaultTtl().isZero() || config.maxTtl().isNegative()
                || config.maxTtl().isZero() || config.defaultTtl().compareTo(config.maxTtl()) > 0) {
            throw new IllegalStateException("llmops.cache.default-ttl (" + config.defaultTtl()
                    + ") and llmops.cache.max-ttl (" + config.maxTtl() + ") must be > 0 and default <= max");
        }
        if (!(semantic.minSimilarity() >= semantic.minSimilarityFloor() && semantic.minSimilarity() <= 1.0)) {
            throw new IllegalStateException("llmops.cache.semantic.min-similarity (" + semantic.minSimilarity()
                    + ") must be between min-similarity-floor (" + semantic.minSimilarityFloor() + ") and 1");
        }
        List<TierMeters> list = new ArrayList<>(tiers.size());
        for (CacheTier tier : tiers) { // @All gives them sorted by @Priority, highest first
            metrics.register(tier.name());
            list.add(new TierMeters(tier, metrics));
        }
        this.tiers = List.copyOf(list);
        this.evictingTiers = list.stream().filter(t -> !t.tier.removesEvictedOnStore()).toList();
        this.keys = keys;
        this.validator = validator;
        this.meta = meta;
        this.defaultTtl = config.defaultTtl();
        this.maxTtl = config.maxTtl();
        this.semantic = semantic;
        this.optedOutTenants = semantic.optedOutTenants().orElse(Set.of());
        this.metrics = metrics;
        this.evictions = metrics.evictions();
        this.batchSizes = metrics.storeBatchSize();
        for (String r : StoreRules.REASONS) {
            metrics.declined(r);
        }
    }

    @WithSpan
    public Uni<LookupResponse> lookup(LookupRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateQuery(request.getQuery(), "query");
            validator.validateSemantic(request.getSemantic(), "semantic");
            CacheKey key = keys.keyOf(request.getQuery());
            LookupResponse.Builder miss = LookupResponse.newBuilder().setHit(false).setCacheKey(key.hash());
            if (optedOutTenants.contains(key.tenantId())) {
                return Uni.createFrom().item(miss.build());
            }
            CacheTier.TierOptions options = optionsOf(request.getSemantic());
            return lookupFrom(0, request.getQuery(), key, options, request.getSkipExact()).map(found -> found == null
                    ? miss.build() : miss.setHit(true).setAnswer(found.hit.answer()).setTier(found.tier.tier.kind())
                            .setSimilarity(found.hit.similarity()).setEntryKey(found.hit.entryHash()).build());
        }).onFailure().transform(e -> toStatus(e, "Lookup", "treat it as a cache miss"));
    }

    /** The policy's threshold (or the request's), never below the floor. */
    CacheTier.TierOptions optionsOf(SemanticOptions o) {
        if (!o.getEnabled()) {
            return CacheTier.TierOptions.EXACT_ONLY;
        }
        double threshold = semantic.minSimilarity();
        Map<String, SemanticConfig.Policy> policies = semantic.policies();
        if (!o.getPolicy().isEmpty() && policies.containsKey(o.getPolicy())) {
            threshold = policies.get(o.getPolicy()).minSimilarity();
        }
        if (o.getMinSimilarity() > 0) {
            threshold = o.getMinSimilarity();
        }
        return new CacheTier.TierOptions(true, Math.max(semantic.minSimilarityFloor(), threshold), o.getPolicy());
    }

    private record Found(TierMeters tier, CacheTier.Hit hit) {
    }

    private Uni<Found> lookupFrom(int index, CacheQuery query, CacheKey key, CacheTier.TierOptions options,
            boolean skipExact) {
        if (index == tiers.size()) {
            return Uni.createFrom().nullItem();
        }
        TierMeters t = tiers.get(index);
        if (!t.tier.applies(options) || (skipExact && t.tier.kind() == CacheTierKind.CACHE_TIER_KIND_EXACT)) {
            return lookupFrom(index + 1, query, key, options, skipExact);
        }
        long start = System.nanoTime();
        return t.tier.lookup(query, key, options)
                .onItemOrFailure().invoke((hit, failure) -> {
                    t.lookupTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    (failure != null ? t.lookupError : hit != null ? t.hit : t.miss).increment();
                    if (hit != null) {
                        t.costAvoided.increment(Math.max(0, hit.answer().getCostNanosUsd()));
                    }
                })
                .flatMap(hit -> hit != null ? Uni.createFrom().item(new Found(t, hit))
                        : lookupFrom(index + 1, query, key, options, skipExact));
    }

    @WithSpan
    public Uni<StoreResponse> store(StoreRequest request) {
        return storeKeepingEvicted(request).call(done -> evict(done.tenant(), done.evicted()))
                .map(StoreDone::response)
                .onFailure().transform(e -> toStatus(e, "Store", NOT_CACHED));
    }

    /** A store's answer, and what the tenant's size bound evicted (removed from the exact tier only, so far). */
    private record StoreDone(StoreResponse response, String tenant, List<String> evicted) {
    }

    private Uni<StoreDone> storeKeepingEvicted(StoreRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateStore(request);
            validator.validateSemantic(request.getSemantic(), "semantic");
            CacheKey key = keys.keyOf(request.getQuery());
            String declined = StoreRules.declineReason(request, optedOutTenants.contains(key.tenantId()));
            if (declined != null) {
                metrics.declined(declined).increment();
                return Uni.createFrom().item(new StoreDone(StoreResponse.newBuilder().setCacheKey(key.hash())
                        .setStored(false).setSkipReason(declined).build(), key.tenantId(), List.of()));
            }
            Duration ttl = ttlOf(request.getTtlSeconds());
            CachedAnswer answer = request.getAnswer();
            if (answer.getCreatedUnixMs() == 0) {
                answer = answer.toBuilder().setCreatedUnixMs(System.currentTimeMillis()).build();
            }
            CacheTier.TierOptions options = optionsOf(request.getSemantic());
            EntryMetaRepository.Record record = meta.recordOf(key.tenantId(), answer.getCreatedUnixMs(),
                    dedup(request.getTagsList()), dedup(request.getDocumentIdsList()),
                    Math.max(1, semantic.maxEntriesPerTenant()));
            return storeFrom(0, request.getQuery(), key, answer, ttl, options, record, CacheTier.Stored.SKIPPED)
                    .map(result -> new StoreDone(StoreResponse.newBuilder().setCacheKey(key.hash())
                            .setStored(result.stored()).build(), key.tenantId(), result.evicted()));
        });
    }

    /**
     * Each store of the batch as {@link #store} runs it, with its own outcome: a failed one fails only itself. What
     * the size bound evicted leaves the other tiers once per tenant after the batch's stores, in one call per tier
     * where the tier can (not once per store: a full tenant evicts on every store). A failure there is logged; the
     * outcomes stand, since the answers are cached.
     */
    public Uni<StoreBatchResponse> storeBatch(StoreBatchRequest request) {
        int n = request.getStoresCount();
        if (n == 0 || n > MAX_BATCH) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT.withDescription(
                    "stores: send 1 to " + MAX_BATCH + " stores per StoreBatch (got " + n + ")").asRuntimeException());
        }
        batchSizes.record(n);
        StoreOutcome[] outcomes = new StoreOutcome[n];
        StoreDone[] done = new StoreDone[n];
        return Multi.createFrom().range(0, n)
                .onItem().transformToUni(i -> storeKeepingEvicted(request.getStores(i))
                        .invoke(stored -> done[i] = stored)
                        .map(stored -> StoreOutcome.newBuilder().setResponse(stored.response()).build())
                        .onFailure().recoverWithItem(e -> failedOutcome(toStatus(e, "Store", NOT_CACHED)))
                        .invoke(outcome -> outcomes[i] = outcome))
                .merge(BATCH_CONCURRENCY)
                .collect().last()
                .call(last -> evictByTenant(done))
                .map(last -> StoreBatchResponse.newBuilder().addAllOutcomes(Arrays.asList(outcomes)).build());
    }

    private Uni<Void> evictByTenant(StoreDone[] done) {
        Map<String, List<String>> byTenant = new LinkedHashMap<>();
        for (StoreDone d : done) {
            if (d != null && !d.evicted().isEmpty()) {
                byTenant.computeIfAbsent(d.tenant(), t -> new ArrayList<>()).addAll(d.evicted());
            }
        }
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<String, List<String>> e : byTenant.entrySet()) {
            all = all.call(() -> evict(e.getKey(), e.getValue())
                    .onFailure().invoke(f -> Log.warnf("removing %d evicted entries of tenant %s from the other tiers "
                            + "failed; they stay until their TTL: %s", e.getValue().size(), e.getKey(), f.toString()))
                    .onFailure().recoverWithNull());
        }
        return all;
    }

    private static StoreOutcome failedOutcome(Throwable e) {
        Status status = Status.fromThrowable(e);
        return StoreOutcome.newBuilder().setErrorCode(status.getCode().value())
                .setErrorMessage(status.getDescription() == null ? String.valueOf(e) : status.getDescription()).build();
    }

    /** Removes what the size bound evicted from every tier whose store did not already. */
    private Uni<Void> evict(String tenant, List<String> evicted) {
        if (evicted.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        evictions.increment(evicted.size());
        return removeFrom(evictingTiers, tenant, evicted, 0, 0L).replaceWithVoid();
    }

    private static List<String> dedup(List<String> values) {
        return values.isEmpty() ? List.of() : List.copyOf(new LinkedHashSet<>(values));
    }

    /** Asks each tier that applies in turn; the result is stored if any kept it, with every key evicted. */
    private Uni<CacheTier.Stored> storeFrom(int index, CacheQuery query, CacheKey key, CachedAnswer answer,
            Duration ttl, CacheTier.TierOptions options, EntryMetaRepository.Record record, CacheTier.Stored soFar) {
        if (index == tiers.size()) {
            return Uni.createFrom().item(soFar);
        }
        TierMeters t = tiers.get(index);
        if (!t.tier.applies(options)) {
            return storeFrom(index + 1, query, key, answer, ttl, options, record, soFar);
        }
        return t.tier.store(query, key, answer, ttl, options, record)
                .onItemOrFailure().invoke((stored, failure) ->
                        (failure != null ? t.storeError : stored.stored() ? t.stored : t.skipped).increment())
                .flatMap(stored -> storeFrom(index + 1, query, key, answer, ttl, options, record,
                        merge(soFar, stored)));
    }

    private static CacheTier.Stored merge(CacheTier.Stored a, CacheTier.Stored b) {
        if (b.evicted().isEmpty()) {
            return a.stored() || !b.stored() ? a : b;
        }
        List<String> evicted = new ArrayList<>(a.evicted());
        evicted.addAll(b.evicted());
        return new CacheTier.Stored(a.stored() || b.stored(), evicted);
    }

    @WithSpan
    public Uni<InvalidateResponse> invalidate(InvalidateRequest request) {
        return Uni.createFrom().deferred(() -> {
            validator.validateInvalidate(request);
            String tenant = request.getTenantId();
            Uni<Long> removed;
            if (!request.getCacheKey().isEmpty()) {
                removed = removeEverywhere(tenant, List.of(request.getCacheKey()))
                        .call(n -> meta.forget(tenant, List.of(request.getCacheKey())));
            } else if (request.getTagsCount() > 0 || request.getDocumentIdsCount() > 0
                    || request.getCreatedBeforeUnixMs() > 0) {
                Uni<List<String>> selected = meta.tagged(tenant, request.getTagsList(), request.getDocumentIdsList());
                if (request.getCreatedBeforeUnixMs() > 0) {
                    selected = selected.flatMap(a -> meta.createdBefore(tenant, request.getCreatedBeforeUnixMs())
                            .map(b -> {
                                LinkedHashSet<String> all = new LinkedHashSet<>(a);
                                all.addAll(b);
                                return List.copyOf(all);
                            }));
                }
                removed = selected.flatMap(hashes -> removeEverywhere(tenant, hashes)
                        .call(n -> meta.forget(tenant, hashes)));
            } else {
                removed = invalidateTenantFrom(0, tenant, 0L).call(n -> meta.forgetTenant(tenant));
            }
            return removed.map(n -> InvalidateResponse.newBuilder().setRemoved(n).build());
        }).onFailure().transform(e -> toStatus(e, "Invalidate", "retry it"));
    }

    /**
     * Removes these keys from every tier; counts entries (an answer kept by two tiers counts once per tier, so
     * "removed" is the number of stored copies that were live).
     */
    private Uni<Long> removeEverywhere(String tenant, List<String> hashes) {
        return removeFrom(tiers, tenant, hashes, 0, 0L);
    }

    private Uni<Long> removeFrom(List<TierMeters> from, String tenant, List<String> hashes, int index, long soFar) {
        if (index == from.size() || hashes.isEmpty()) {
            return Uni.createFrom().item(soFar);
        }
        TierMeters t = from.get(index);
        return t.tier.invalidateAll(tenant, hashes).invoke(n -> {
            t.invalidateKey.increment();
            t.invalidatedEntries.increment(n);
        }).flatMap(n -> removeFrom(from, tenant, hashes, index + 1, soFar + n));
    }

    private Uni<Long> invalidateTenantFrom(int index, String tenantId, long removedSoFar) {
        if (index == tiers.size()) {
            return Uni.createFrom().item(removedSoFar);
        }
        TierMeters t = tiers.get(index);
        return t.tier.invalidateTenant(tenantId).invoke(removed -> {
            t.invalidateTenant.increment();
            t.invalidatedEntries.increment(removed);
        }).flatMap(removed -> invalidateTenantFrom(index + 1, tenantId, removedSoFar + removed));
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
        final Counter costAvoided;
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
            costAvoided = m.costAvoided(n);
            lookupTimer = m.lookupTimer(n);
        }
    }
}
