package dev.llmops.cache.semantic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Nearest-neighbour search by scanning quantised vectors, partitioned by scope. Each vector is kept twice, in one
 * contiguous array per scope: as int8 (scaled by its own largest component, so all 8 bits carry signal) and as
 * its 384 sign bits (6 longs). A search of a small scope is a plain int8 dot-product loop over all of it. In a
 * scope larger than {@code 4 × rescore}, the sign bits are scanned first (Hamming distance: 6 XOR + bitCount per
 * entry, about 60× less work than the int8 loop) and only the {@code rescore} entries closest by Hamming distance
 * are scored in int8. Adds and removes are O(1) (swap with the last slot), a rebuild is just the adds: no graph to
 * build. The int8 cosine error is below 0.01; how often the two-step search keeps the exact float top-1 is
 * measured by {@code SemanticIndexBench} (README).
 */
public final class Int8ScanIndex implements VectorIndex {
    private static final int DIM = Embedder.DIMENSIONS;
    private static final int WORDS = DIM / 64;
    /** Default number of entries rescored in int8 after the sign-bit scan. */
    public static final int DEFAULT_RESCORE = 512;

    private final int rescore;

    private final Map<String, Partition> partitions = new HashMap<>();
    /** tenant + '\n' + hash -> its scope. */
    private final Map<String, String> scopes = new HashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    public Int8ScanIndex() {
        this(DEFAULT_RESCORE);
    }

    /** rescore: entries scored in int8 after the sign-bit scan of a large scope; 0 scores every entry in int8. */
    public Int8ScanIndex(int rescore) {
        if (rescore < 0) {
            throw new IllegalArgumentException("rescore must be >= 0, got " + rescore);
        }
        this.rescore = rescore;
    }

    @Override
    public String kind() {
        return "scan";
    }

    @Override
    public void add(String tenant, String hash, String scope, float[] vector, long expiresAtMs) {
        String id = tenant + '\n' + hash;
        lock.writeLock().lock();
        try {
            String old = scopes.put(id, scope);
            if (old != null && !old.equals(scope)) {
                removeFrom(old, id);
            }
            partitions.computeIfAbsent(scope, s -> new Partition()).put(id, tenant, hash, vector, expiresAtMs);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean remove(String tenant, String hash) {
        String id = tenant + '\n' + hash;
        lock.writeLock().lock();
        try {
            String scope = scopes.remove(id);
            if (scope == null) {
                return false;
            }
            removeFrom(scope, id);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void removeFrom(String scope, String id) {
        Partition p = partitions.get(scope);
        if (p != null) {
            p.remove(id);
            if (p.size == 0) {
                partitions.remove(scope);
            }
        }
    }

    @Override
    public int removeTenant(String tenant) {
        String prefix = tenant + '\n';
        lock.writeLock().lock();
        try {
            List<String> ids = new ArrayList<>();
            for (Iterator<Map.Entry<String, String>> it = scopes.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, String> e = it.next();
                if (e.getKey().startsWith(prefix)) {
                    ids.add(e.getKey());
                    removeFrom(e.getValue(), e.getKey());
                    it.remove();
                }
            }
            return ids.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<Hit> search(String scope, float[] query, int k, long nowMs) {
        byte[] q = new byte[DIM];
        float qScale = quantise(query, q, 0);
        long[] qBits = new long[WORDS];
        signBits(query, qBits, 0);
        lock.readLock().lock();
        try {
            Partition p = partitions.get(scope);
            if (p == null) {
                return List.of();
            }
            if (rescore == 0 || p.size <= 4 * rescore) {
                return p.topK(q, qScale, k, nowMs, null, p.size);
            }
            int[] candidates = p.nearestByHamming(qBits, rescore);
            return p.topK(q, qScale, k, nowMs, candidates, candidates.length);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return scopes.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long memoryBytes() {
        lock.readLock().lock();
        try {
            long total = 0;
            for (Partition p : partitions.values()) {
                total += p.vectors.length + p.bits.length * 8L + p.scales.length * 4L + p.expires.length * 8L + p.ids.length * 8L * 3;
            }
            return total + scopes.size() * 120L; // map entries + the two id strings
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Writes the int8 form of v into out[offset..]; returns the scale (cosine = dot(q) * scaleA * scaleB). */
    static float quantise(float[] v, byte[] out, int offset) {
        float max = 1e-12f;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        float f = 127f / max;
        for (int i = 0; i < DIM; i++) {
            out[offset + i] = (byte) Math.round(v[i] * f);
        }
        return max / 127f;
    }

    /** Writes the sign bits of v (bit i set when v[i] is +0 or above) into out[offset..offset + 6]; no branches. */
    static void signBits(float[] v, long[] out, int offset) {
        for (int w = 0; w < WORDS; w++) {
            long bits = 0;
            for (int b = 0; b < 64; b++) {
                long negative = Float.floatToRawIntBits(v[w * 64 + b]) >>> 31;
                bits |= (negative ^ 1L) << b;
            }
            out[offset + w] = bits;
        }
    }

    private static final class Partition {
        byte[] vectors = new byte[16 * DIM];
        long[] bits = new long[16 * WORDS];
        float[] scales = new float[16];
        long[] expires = new long[16];
        String[] ids = new String[16];
        String[] tenants = new String[16];
        String[] hashes = new String[16];
        final Map<String, Integer> slots = new HashMap<>();
        int size;

        void put(String id, String tenant, String hash, float[] v, long expiresAt) {
            Integer slot = slots.get(id);
            int s = slot != null ? slot : size++;
            if (s >= scales.length) {
                int cap = scales.length * 2;
                vectors = Arrays.copyOf(vectors, cap * DIM);
                bits = Arrays.copyOf(bits, cap * WORDS);
                scales = Arrays.copyOf(scales, cap);
                expires = Arrays.copyOf(expires, cap);
                ids = Arrays.copyOf(ids, cap);
                tenants = Arrays.copyOf(tenants, cap);
                hashes = Arrays.copyOf(hashes, cap);
            }
            scales[s] = quantise(v, vectors, s * DIM);
            signBits(v, bits, s * WORDS);
            expires[s] = expiresAt;
            ids[s] = id;
            tenants[s] = tenant;
            hashes[s] = hash;
            slots.put(id, s);
        }

        void remove(String id) {
            Integer slot = slots.remove(id);
            if (slot == null) {
                return;
            }
            int s = slot;
            int last = --size;
            if (s != last) { // move the last entry into the hole
                System.arraycopy(vectors, last * DIM, vectors, s * DIM, DIM);
                System.arraycopy(bits, last * WORDS, bits, s * WORDS, WORDS);
                scales[s] = scales[last];
                expires[s] = expires[last];
                ids[s] = ids[last];
                tenants[s] = tenants[last];
                hashes[s] = hashes[last];
                slots.put(ids[s], s);
            }
            ids[last] = null;
            tenants[last] = null;
            hashes[last] = null;
        }

        /**
         * The slots of (about) the n entries nearest to the query by Hamming distance of the sign bits: a first
         * pass counts entries per distance (0..384), which gives the cut-off distance; a second pass collects
         * every entry below it and, in slot order, those at it until n are taken.
         */
        int[] nearestByHamming(long[] q, int n) {
            int[] histogram = new int[DIM + 1];
            long[] bs = bits;
            long q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5];
            for (int s = 0, b = 0; s < size; s++, b += WORDS) {
                histogram[hamming(bs, b, q0, q1, q2, q3, q4, q5)]++;
            }
            int cut = 0;
            int below = 0; // entries closer than cut
            while (below + histogram[cut] < n) {
                below += histogram[cut++];
            }
            int atCut = n - below; // how many at the cut-off distance are taken
            int[] out = new int[n];
            int found = 0;
            for (int s = 0, b = 0; s < size && found < n; s++, b += WORDS) {
                int d = hamming(bs, b, q0, q1, q2, q3, q4, q5);
                if (d < cut || d == cut && atCut-- > 0) {
                    out[found++] = s;
                }
            }
            return out;
        }

        private static int hamming(long[] bs, int b, long q0, long q1, long q2, long q3, long q4, long q5) {
            return Long.bitCount(bs[b] ^ q0) + Long.bitCount(bs[b + 1] ^ q1) + Long.bitCount(bs[b + 2] ^ q2)
                    + Long.bitCount(bs[b + 3] ^ q3) + Long.bitCount(bs[b + 4] ^ q4) + Long.bitCount(bs[b + 5] ^ q5);
        }

        /** The k best by int8 dot product among slots[0..count) (every slot when slots is null). */
        List<Hit> topK(byte[] q, float qScale, int k, long now, int[] slots, int count) {
            int[] best = new int[k];
            double[] bestScore = new double[k];
            int found = 0;
            byte[] vs = vectors;
            for (int c = 0; c < count; c++) {
                int s = slots == null ? c : slots[c];
                double score = dot(q, vs, s * DIM) * (double) qScale * scales[s];
                if (found < k || score > bestScore[found - 1]) {
                    if (expires[s] <= now) {
                        continue;
                    }
                    int pos = found < k ? found++ : k - 1;
                    while (pos > 0 && bestScore[pos - 1] < score) { // insertion into the small sorted top-k
                        bestScore[pos] = bestScore[pos - 1];
                        best[pos] = best[pos - 1];
                        pos--;
                    }
                    bestScore[pos] = score;
                    best[pos] = s;
                }
            }
            List<Hit> out = new ArrayList<>(found);
            for (int i = 0; i < found; i++) {
                out.add(new Hit(tenants[best[i]], hashes[best[i]], Math.min(1.0, bestScore[i])));
            }
            return out;
        }

        /** Four independent sums, so the loop is not one long dependency chain. */
        private static int dot(byte[] q, byte[] vs, int base) {
            int a = 0, b = 0, c = 0, d = 0;
            for (int i = 0; i < DIM; i += 4) {
                a += q[i] * vs[base + i];
                b += q[i + 1] * vs[base + i + 1];
                c += q[i + 2] * vs[base + i + 2];
                d += q[i + 3] * vs[base + i + 3];
            }
            return a + b + c + d;
        }
    }
}
