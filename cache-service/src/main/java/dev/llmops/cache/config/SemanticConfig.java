package dev.llmops.cache.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The semantic tier and the rules shared by every tier (opt-outs, size bound). */
@ConfigMapping(prefix = "llmops.cache.semantic")
public interface SemanticConfig {

    /** Minimum cosine similarity of the default policy (chosen on the paraphrase set, see the README). */
    @WithDefault("0.86")
    double minSimilarity();

    /** No request or policy may go below this. */
    @WithDefault("0.80")
    double minSimilarityFloor();

    /** Named threshold policies: llmops.cache.semantic.policies.<name>.min-similarity. */
    Map<String, Policy> policies();

    /** The second stage (entity, number, direction, negation check); off only to measure without it. */
    @WithDefault("true")
    boolean verify();

    /** "scan" (scan of quantised vectors) or "hnsw" (Lucene HNSW graph). */
    @WithDefault("scan")
    String index();

    /**
     * scan: in a scope larger than 4 × this, the sign bits are scanned first and only this many nearest entries
     * are scored in int8; 0 scores every entry in int8 (exact up to int8 rounding, slower at 100k).
     */
    @WithDefault("512")
    int scanRescore();

    /** Candidates taken from the index and checked by the second stage, best first. */
    @WithDefault("4")
    int candidates();

    /** Threads that compute embeddings (off the event loop). */
    @WithDefault("2")
    int embedThreads();

    /** Embeddings waiting for a thread; beyond it a lookup is a miss (and a store skips the semantic tier). */
    @WithDefault("256")
    int embedQueue();

    /**
     * Embeddings of the latest texts kept in memory (each about 1.5 KB + the text): a Store after a missed Lookup
     * of the same question, as the router sends them, reuses the Lookup's embedding. 0 turns it off.
     */
    @WithDefault("1024")
    int embedMemo();

    /** Longest text embedded (characters); the model reads 256 tokens anyway. */
    @WithDefault("2000")
    int maxTextChars();

    /** How often a replica reads the change stream of the others. */
    @WithDefault("200ms")
    Duration syncInterval();

    /** How often a replica checks Redis' run_id (a restarted Redis is empty: the index is reset). */
    @WithDefault("2s")
    Duration restartCheckInterval();

    /** Full rebuild from Redis at this interval, repairing anything the change stream missed. */
    @WithDefault("10m")
    Duration reconcileInterval();

    /** Changes kept in the stream (approximate MAXLEN). */
    @WithDefault("100000")
    long streamMaxLength();

    /** Entries per tenant (across tiers); the oldest are evicted beyond it. */
    @WithDefault("100000")
    long maxEntriesPerTenant();

    /** Tenants that opted out of caching: nothing of theirs is stored or served. */
    Optional<Set<String>> optedOutTenants();

    interface Policy {
        double minSimilarity();
    }
}
