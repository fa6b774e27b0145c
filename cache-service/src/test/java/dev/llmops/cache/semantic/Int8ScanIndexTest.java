package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scan index on clustered unit vectors, against an exact float cosine scan. */
class Int8ScanIndexTest {
    private static final int DIM = Embedder.DIMENSIONS;
    private static final String SCOPE = "s";

    private static final float[][] CENTRES = new float[50][];

    static {
        Random rnd = new Random(1);
        for (int c = 0; c < CENTRES.length; c++) {
            CENTRES[c] = unit(gaussian(rnd, 1.0f, null));
        }
    }

    /**
     * Cluster centres plus noise, renormalised: like embeddings of many similar questions (cosine about 0.87
     * within a cluster, about 0 across). Data and queries share the centres, drawn with different noise.
     */
    private static float[][] clustered(int n, long seed) {
        Random rnd = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = unit(gaussian(rnd, 0.02f, CENTRES[i % CENTRES.length]));
        }
        return out;
    }

    private static float[] gaussian(Random rnd, float sd, float[] around) {
        float[] v = new float[DIM];
        for (int k = 0; k < DIM; k++) {
            v[k] = (around == null ? 0 : around[k]) + (float) (rnd.nextGaussian() * sd);
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float inv = (float) (1 / Math.sqrt(n));
        for (int k = 0; k < DIM; k++) {
            v[k] *= inv;
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < DIM; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    private static int exactTop(float[][] data, boolean[] removed, float[] q) {
        int best = -1;
        double bestSim = -2;
        for (int i = 0; i < data.length; i++) {
            double d = dot(q, data[i]);
            if (!removed[i] && d > bestSim) {
                bestSim = d;
                best = i;
            }
        }
        return best;
    }

    @Test
    void signBitPrefilterKeepsTheExactNearestAndFollowsRemovals() {
        float[][] data = clustered(6_000, 1);
        Int8ScanIndex index = new Int8ScanIndex(256); // 6,000 > 4 x 256: the sign-bit pass runs
        for (int i = 0; i < data.length; i++) {
            index.add("t", Integer.toString(i), SCOPE, data[i], Long.MAX_VALUE);
        }
        boolean[] removed = new boolean[data.length];
        for (int i = 0; i < data.length; i += 3) { // holes filled by moving the last slot: bits must move too
            index.remove("t", Integer.toString(i));
            removed[i] = true;
        }
        assertEquals(4_000, index.size());

        float[][] queries = clustered(300, 2);
        int same = 0;
        for (float[] q : queries) {
            List<VectorIndex.Hit> hits = index.search(SCOPE, q, 4, 0);
            assertEquals(4, hits.size());
            int top = Integer.parseInt(hits.get(0).hash());
            assertTrue(!removed[top], "a removed entry was returned");
            int exact = exactTop(data, removed, q);
            if (top == exact) {
                same++;
            } else {
                assertTrue(dot(q, data[exact]) - dot(q, data[top]) < 0.01, "far from the exact nearest");
            }
            assertTrue(Math.abs(hits.get(0).similarity() - dot(q, data[top])) < 0.01, "int8 similarity");
        }
        assertTrue(same >= 0.95 * queries.length, "top-1 recall " + same + "/" + queries.length);

        // A stored vector finds itself, in a scope large enough for the prefilter and after the moves.
        for (int i = 1; i < data.length; i += 97) {
            if (!removed[i]) {
                VectorIndex.Hit hit = index.search(SCOPE, data[i], 1, 0).get(0);
                assertEquals(Integer.toString(i), hit.hash());
                assertTrue(hit.similarity() > 0.99, "self-similarity " + hit.similarity());
            }
        }
    }

    @Test
    void otherScopesAndExpiredEntriesAreNeverReturned() {
        float[][] data = clustered(3_000, 3);
        Int8ScanIndex index = new Int8ScanIndex(100);
        for (int i = 0; i < data.length; i++) {
            // Every tenth entry in another scope, every seventh expired at time 1000.
            index.add("t", Integer.toString(i), i % 10 == 0 ? "other" : SCOPE, data[i], i % 7 == 0 ? 1000 : 5000);
        }
        for (int i = 0; i < data.length; i += 50) {
            for (VectorIndex.Hit h : index.search(SCOPE, data[i], 4, 2000)) {
                int n = Integer.parseInt(h.hash());
                assertTrue(n % 10 != 0 && n % 7 != 0, "returned " + n);
            }
        }
    }
}
