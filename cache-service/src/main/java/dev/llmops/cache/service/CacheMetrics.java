package dev.llmops.cache.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The cache's meters, named for Prometheus: {@code llmops_cache_lookups_total{tier,result=hit|miss|error}},
 * {@code llmops_cache_stores_total{tier,result=stored|skipped|error}},
 * {@code llmops_cache_invalidations_total{tier,scope=key|tenant}}, {@code llmops_cache_invalidated_entries_total{tier}},
 * {@code llmops_cache_lookup_seconds{tier}} (timer with histogram buckets),
 * {@code llmops_cache_cost_avoided_nanos_usd_total{tier}}, {@code llmops_cache_evictions_total},
 * {@code llmops_cache_stores_declined_total{reason}}, {@code llmops_cache_store_batch_size} (summary: count = StoreBatch
 * calls, sum = the stores they carried).
 */
@ApplicationScoped
public class CacheMetrics {
    private final MeterRegistry registry;

    public CacheMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the meters of a tier up front so dashboards see zeros rather than gaps. */
    public void register(String tier) {
        for (String result : new String[] {"hit", "miss", "error"}) {
            lookups(tier, result);
        }
        for (String result : new String[] {"stored", "skipped", "error"}) {
            stores(tier, result);
        }
        invalidations(tier, "key");
        invalidations(tier, "tenant");
        invalidatedEntries(tier);
        lookupTimer(tier);
        costAvoided(tier);
    }

    /** Nano-USD not spent because this tier answered (the stored answer's cost_nanos_usd). */
    public Counter costAvoided(String tier) {
        return Counter.builder("llmops.cache.cost.avoided.nanos.usd")
                .description("What the answers served from the cache had cost (nano-USD)")
                .tag("tier", tier).register(registry);
    }

    /** Entries removed to keep a tenant within llmops.cache.semantic.max-entries-per-tenant. */
    public Counter evictions() {
        return Counter.builder("llmops.cache.evictions").description("Entries evicted by the per-tenant size bound")
                .register(registry);
    }

    /** Stores refused before any tier (answer flagged, error, PII, opt-out). */
    public Counter declined(String reason) {
        return Counter.builder("llmops.cache.stores.declined").description("Stores refused by the never-cache rules")
                .tag("reason", reason).register(registry);
    }

    /** Stores per StoreBatch call: how well the routers' batching works. */
    public DistributionSummary storeBatchSize() {
        return DistributionSummary.builder("llmops.cache.store.batch.size").description("Stores carried by one StoreBatch")
                .register(registry);
    }

    public Counter lookups(String tier, String result) {
        return Counter.builder("llmops.cache.lookups").description("Cache lookups by tier and result")
                .tag("tier", tier).tag("result", result).register(registry);
    }

    public Counter stores(String tier, String result) {
        return Counter.builder("llmops.cache.stores").description("Cache stores by tier and result")
                .tag("tier", tier).tag("result", result).register(registry);
    }

    public Counter invalidations(String tier, String scope) {
        return Counter.builder("llmops.cache.invalidations").description("Invalidate calls by tier and scope")
                .tag("tier", tier).tag("scope", scope).register(registry);
    }

    public Counter invalidatedEntries(String tier) {
        return Counter.builder("llmops.cache.invalidated.entries").description("Entries removed by Invalidate")
                .tag("tier", tier).register(registry);
    }

    public Timer lookupTimer(String tier) {
        return Timer.builder("llmops.cache.lookup").description("Time of one tier's lookup, Redis included")
                .tag("tier", tier).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
    }
}
