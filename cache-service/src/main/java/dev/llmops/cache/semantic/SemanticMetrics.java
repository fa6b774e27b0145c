package dev.llmops.cache.semantic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Semantic-tier meters, including drift: how far recent queries sit from the cached population.
 * <ul>
 * <li>{@code llmops_cache_semantic_nearest_similarity}: similarity of each lookup's nearest cached question in its
 * scope (0 when the scope is empty). A distribution moving down explains a falling hit rate.</li>
 * <li>{@code llmops_cache_semantic_centroid_similarity}: cosine between the running centroid of recent queries
 * (exponential, about the last 200) and that of stored questions (about the last 5,000).</li>
 * <li>{@code llmops_cache_semantic_rejections_total{reason}}: candidates above the threshold that the second stage
 * refused (number, negation, direction, entity, substitution).</li>
 * <li>{@code llmops_cache_semantic_index_entries}, {@code llmops_cache_semantic_index_bytes},
 * {@code llmops_cache_semantic_rebuilds_total}, {@code llmops_cache_semantic_embed_seconds},
 * {@code llmops_cache_semantic_overloaded_total}, {@code llmops_cache_semantic_failures_total}.</li>
 * </ul>
 */
@Singleton // no client proxy: the service reads its meters as fields
public class SemanticMetrics {
    private final MeterRegistry registry;
    final DistributionSummary nearest;
    final Timer embed;
    final Counter overloaded;
    final Counter embedReused;
    final Counter rebuilds;
    final Counter failures;
    private final float[] queryCentroid = new float[Embedder.DIMENSIONS];
    private final float[] storedCentroid = new float[Embedder.DIMENSIONS];

    public SemanticMetrics(MeterRegistry registry) {
        this.registry = registry;
        nearest = DistributionSummary.builder("llmops.cache.semantic.nearest.similarity")
                .description("Similarity of the nearest cached question, per semantic lookup")
                .serviceLevelObjectives(0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0)
                .register(registry);
        embed = Timer.builder("llmops.cache.semantic.embed").description("Time to embed one text")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
        embedReused = Counter.builder("llmops.cache.semantic.embed.reused")
                .description("Texts not embedded again because their embedding was computed lately")
                .register(registry);
        overloaded = Counter.builder("llmops.cache.semantic.overloaded")
                .description("Lookups and stores that skipped the semantic tier because the embedding queue was full")
                .register(registry);
        rebuilds = Counter.builder("llmops.cache.semantic.rebuilds").description("Index rebuilds from Redis")
                .register(registry);
        failures = Counter.builder("llmops.cache.semantic.failures")
                .description("Semantic lookups/stores that failed and were treated as a miss / not stored")
                .register(registry);
        Gauge.builder("llmops.cache.semantic.centroid.similarity", this, SemanticMetrics::centroidSimilarity)
                .strongReference(true)
                .description("Cosine between the centroid of recent queries and that of stored questions")
                .register(registry);
        for (String r : new String[] {"number", "negation", "direction", "entity", "substitution"}) {
            rejection(r);
        }
    }

    public void indexGauges(Supplier<VectorIndex> index) {
        // Strong references: a gauge holds its object weakly, and nothing else holds these suppliers.
        Gauge.builder("llmops.cache.semantic.index.entries", index, i -> i.get().size()).strongReference(true)
                .description("Entries in this replica's vector index").register(registry);
        Gauge.builder("llmops.cache.semantic.index.bytes", index, i -> i.get().memoryBytes()).strongReference(true)
                .description("Approximate heap held by this replica's vector index").register(registry);
    }

    Counter rejection(String reason) {
        return Counter.builder("llmops.cache.semantic.rejections").description("Candidates refused by the second stage")
                .tag("reason", reason).register(registry);
    }

    synchronized void query(float[] v) {
        ema(queryCentroid, v, 1.0f / 200);
    }

    synchronized void stored(float[] v) {
        ema(storedCentroid, v, 1.0f / 5000);
    }

    synchronized double centroidSimilarity() {
        double dot = 0;
        double a = 0;
        double b = 0;
        for (int i = 0; i < queryCentroid.length; i++) {
            dot += queryCentroid[i] * storedCentroid[i];
            a += queryCentroid[i] * queryCentroid[i];
            b += storedCentroid[i] * storedCentroid[i];
        }
        return a == 0 || b == 0 ? 0 : dot / Math.sqrt(a * b);
    }

    private static void ema(float[] c, float[] v, float alpha) {
        for (int i = 0; i < c.length; i++) {
            c[i] += alpha * (v[i] - c[i]);
        }
    }
}
