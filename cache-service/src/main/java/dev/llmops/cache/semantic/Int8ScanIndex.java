package dev.llmops.cache.semantic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Exact nearest-neighbour search over int8-quantised vectors, partitioned by scope. Each vector is scaled by its
 * own largest component (so all 8 bits carry signal) and kept in one contiguous array per scope; a search is a
 * plain dot-product loop over the query's scope only. Adds and removes are O(1) (swap with the last slot), a
 * rebuild is just the adds: no graph to build. Cosine error from quantisation is below 0.01 (measured in the
 * tests), far below the gap between thresholds.
 */
public final class Int8ScanIndex implements VectorIndex {
    private static final int DIM = Embedder.DIMENSIONS;

    private final Map<String, Partition> partitions = new HashMap<>();
    /** tenant + '\n' + hash -> its scope. */
    private final Map<String, String> scopes = new HashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

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
        lock.readLock().lock();
        try {
            Partition p = partitions.get(scope);
            if (p == null) {
                return List.of();
            }
            return p.topK(q, qScale, k, nowMs);
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
                total += p.vectors.length + p.scales.length * 4L + p.expires.length * 8L + p.ids.length * 8L * 3;
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

    private static final class Partition {
        byte[] vectors = new byte[16 * DIM];
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
                scales = Arrays.copyOf(scales, cap);
                expires = Arrays.copyOf(expires, cap);
                ids = Arrays.copyOf(ids, cap);
                tenants = Arrays.copyOf(tenants, cap);
                hashes = Arrays.copyOf(hashes, cap);
            }
            scales[s] = quantise(v, vectors, s * DIM);
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

        List<Hit> topK(byte[] q, float qScale, int k, long now) {
            int[] best = new int[k];
            double[] bestScore = new double[k];
            int found = 0;
            byte[] vs = vectors;
            for (int s = 0; s < size; s++) {
                int base = s * DIM;
                int dot = 0;
                for (int i = 0; i < DIM; i++) {
                    dot += q[i] * vs[base + i];
                }
                double score = dot * (double) qScale * scales[s];
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
    }
}
