package dev.llmops.cache.bench;

import dev.llmops.cache.semantic.Embedder;
import dev.llmops.cache.semantic.IndexSync;
import dev.llmops.cache.semantic.Int8ScanIndex;
import dev.llmops.cache.semantic.VectorIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Lookup latency (embedding included), index memory, rebuild time and recall of the index kinds at N real
 * embeddings (sentences generated from templates and embedded by the real model) and M synthetic ones (real
 * vectors plus Gaussian noise, so they cluster like real questions do). All entries sit in ONE scope: the worst
 * case (a real deployment splits them by tenant, model class, system prompt...). Kinds: "scan" (sign-bit scan,
 * then int8 rescoring of the nearest {@code scan-rescore}), "scan-int8" (int8 dot product with every entry) and
 * "hnsw" (Lucene). Recall is measured against an exact float cosine scan. With {@code -Dbench.redis=redis://...}
 * (a private server: the bench writes the entries into it) the rebuild is also timed as a replica does it: every
 * entry read back from Redis ({@link IndexSync#load}) and added.
 * Run with {@code cache-service/bench/index-bench.sh [real] [synthetic] [queries] [kinds]}.
 */
public final class SemanticIndexBench {
    private static final String SCOPE = "bench-scope";
    private static final String TENANT = "bench";

    public static void main(String[] args) {
        int real = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int synthetic = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int queries = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        List<String> kinds = List.of((args.length > 3 ? args[3] : "scan,scan-int8").split(","));
        String redisUrl = System.getProperty("bench.redis", "");
        Embedder embedder = new Embedder(1, 16, 2000);
        System.out.printf(Locale.ROOT, "cores %d, load average %.1f, heap max %d MiB%n",
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().maxMemory() >> 20);

        List<String> sentences = sentences(real + queries, 42);
        long t0 = System.nanoTime();
        float[][] vectors = new float[real][];
        IntStream.range(0, real).parallel().forEach(i -> vectors[i] = embedder.embedNow(sentences.get(i)));
        System.out.printf(Locale.ROOT, "embedded %d sentences in %.1f s (2 threads)%n", real,
                (System.nanoTime() - t0) / 1e9);
        List<String> queryTexts = sentences.subList(real, real + queries);

        // Embedding alone, one at a time, as a lookup does it (after a warm-up of the model).
        for (int i = 0; i < Math.min(200, queries); i++) {
            embedder.embedNow(queryTexts.get(i));
        }
        long[] embedNs = new long[queries];
        float[][] queryVectors = new float[queries][];
        for (int i = 0; i < queries; i++) {
            long s = System.nanoTime();
            queryVectors[i] = embedder.embedNow(queryTexts.get(i));
            embedNs[i] = System.nanoTime() - s;
        }
        System.out.printf(Locale.ROOT, "embedding: p50 %.2f ms, p99 %.2f ms, load average %.1f%n%n",
                pct(embedNs, 50), pct(embedNs, 99), loadAverage());

        float[][] synth = synthetic > 0 ? synthetic(vectors, synthetic, 7) : new float[0][];
        List<float[][]> sets = new ArrayList<>();
        sets.add(vectors);
        if (synthetic > 0) {
            sets.add(synth);
        }
        List<int[]> exactTop = new ArrayList<>();
        List<double[]> exactSim = new ArrayList<>();
        for (float[][] data : sets) { // the ground truth: float cosine with every entry
            int[] top = new int[queries];
            double[] sim = new double[queries];
            IntStream.range(0, queries).parallel().forEach(q -> {
                int best = -1;
                double bestSim = -2;
                for (int i = 0; i < data.length; i++) {
                    double d = dot(queryVectors[q], data[i]);
                    if (d > bestSim) {
                        bestSim = d;
                        best = i;
                    }
                }
                top[q] = best;
                sim[q] = bestSim;
            });
            exactTop.add(top);
            exactSim.add(sim);
        }

        System.out.println("| index | entries | rebuild (in memory) | memory | search p50 | search p99 "
                + "| lookup p50 (embed+search) | lookup p99 | top-1 recall | worst top-1 cosine loss | load |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (String kind : kinds) {
            for (int d = 0; d < sets.size(); d++) {
                run(kind, sets.get(d), queryVectors, embedNs, d == 0 ? "real" : "synthetic", exactTop.get(d),
                        exactSim.get(d));
            }
        }
        if (!redisUrl.isEmpty()) {
            float[][] big = sets.get(sets.size() - 1);
            RedisRebuild.run(redisUrl, big, kinds);
        }
        System.exit(0);
    }

    static VectorIndex newIndex(String kind) {
        return switch (kind) {
            case "scan-int8" -> IndexSync.newIndex("scan", 0);
            default -> IndexSync.newIndex(kind, Int8ScanIndex.DEFAULT_RESCORE);
        };
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void run(String kind, float[][] data, float[][] queries, long[] embedNs, String label,
            int[] exactTop, double[] exactSim) {
        System.gc();
        long heapBefore = usedHeap();
        long t0 = System.nanoTime();
        VectorIndex index = newIndex(kind);
        long far = Long.MAX_VALUE;
        for (int i = 0; i < data.length; i++) {
            index.add(TENANT, Integer.toString(i), SCOPE, data[i], far);
        }
        index.search(SCOPE, queries[0], 4, 0); // makes everything searchable (Lucene: reopen)
        double rebuildS = (System.nanoTime() - t0) / 1e9;
        System.gc();
        long heapDelta = usedHeap() - heapBefore;
        for (int i = 0; i < Math.min(200, queries.length); i++) { // warm-up
            index.search(SCOPE, queries[i], 4, 0);
        }
        long[] searchNs = new long[queries.length];
        long[] lookupNs = new long[queries.length];
        int same = 0;
        double worstLoss = 0;
        for (int i = 0; i < queries.length; i++) {
            long s = System.nanoTime();
            List<VectorIndex.Hit> hits = index.search(SCOPE, queries[i], 4, 0);
            searchNs[i] = System.nanoTime() - s;
            lookupNs[i] = searchNs[i] + embedNs[i];
            int top = hits.isEmpty() ? -1 : Integer.parseInt(hits.get(0).hash());
            if (top == exactTop[i]) {
                same++;
            } else {
                // How much worse the returned entry really is (float cosine), not what the index believes.
                double got = top < 0 ? 0 : dot(queries[i], data[top]);
                worstLoss = Math.max(worstLoss, exactSim[i] - got);
            }
        }
        System.out.printf(Locale.ROOT, "| %s | %,d %s | %.1f s | %d MiB (heap delta %d MiB) | %.2f ms | %.2f ms "
                + "| %.2f ms | %.2f ms | %.3f | %.4f | %.1f |%n",
                kind, data.length, label, rebuildS, index.memoryBytes() >> 20, Math.max(0, heapDelta) >> 20,
                pct(searchNs, 50), pct(searchNs, 99), pct(lookupNs, 50), pct(lookupNs, 99),
                same / (double) queries.length, worstLoss, loadAverage());
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    static double pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e6;
    }

    /** Real vectors plus noise, renormalised: clusters around real questions (cosine to its base ~0.85). */
    private static float[][] synthetic(float[][] base, int n, long seed) {
        Random rnd = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] b = base[i % base.length];
            float[] v = new float[b.length];
            double norm = 0;
            for (int k = 0; k < v.length; k++) {
                v[k] = b[k] + (float) (rnd.nextGaussian() * 0.032);
                norm += v[k] * v[k];
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int k = 0; k < v.length; k++) {
                v[k] *= inv;
            }
            out[i] = v;
        }
        return out;
    }

    /** Distinct support-style questions from templates and slot words (deterministic for a seed). */
    static List<String> sentences(int n, long seed) {
        String[] templates = {"How do I %s my %s?", "Why can't I %s the %s?", "What happens if I %s my %s %s?",
            "Is it possible to %s a %s from the %s?", "Can you explain how to %s the %s?",
            "Where do I %s my %s settings?", "What is the best way to %s a %s?",
            "My %s will not %s after the %s, what should I do?", "How long does it take to %s a %s?",
            "Who can help me %s the %s?"};
        String[] verbs = {"reset", "update", "cancel", "configure", "export", "install", "repair", "renew", "share",
            "back up", "restore", "connect", "verify", "transfer", "schedule", "upgrade", "migrate", "clean",
            "activate", "replace", "monitor", "encrypt", "print", "return", "track"};
        String[] nouns = {"password", "account", "invoice", "subscription", "router", "laptop", "printer",
            "database", "order", "package", "profile", "calendar", "contract", "bank card", "phone", "email alias",
            "API key", "team", "workspace", "license", "garden hose", "dishwasher", "car battery", "passport",
            "insurance policy", "mortgage", "thermostat", "bicycle", "website", "domain name"};
        String[] extras = {"account", "app", "dashboard", "weekend", "update", "trip", "office", "browser",
            "holiday", "warranty", "shop", "portal"};
        Random rnd = new Random(seed);
        LinkedHashSet<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            String t = templates[rnd.nextInt(templates.length)];
            Object[] slots = {pick(rnd, verbs, nouns, t, 0), pick(rnd, verbs, nouns, t, 1),
                extras[rnd.nextInt(extras.length)]};
            String s = String.format(Locale.ROOT, t, slots);
            if (rnd.nextInt(3) == 0) {
                s = s + " I tried twice already.";
            } else if (rnd.nextInt(3) == 0) {
                s = "Quick question: " + s;
            }
            out.add(s + (out.contains(s) ? " (" + out.size() + ")" : ""));
        }
        return new ArrayList<>(out);
    }

    private static String pick(Random rnd, String[] verbs, String[] nouns, String template, int slot) {
        boolean nounFirst = template.startsWith("My %s");
        boolean verb = (slot == 0) != nounFirst;
        return verb ? verbs[rnd.nextInt(verbs.length)] : nouns[rnd.nextInt(nouns.length)];
    }
}
