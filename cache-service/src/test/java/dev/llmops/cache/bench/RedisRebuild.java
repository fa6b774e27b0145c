package dev.llmops.cache.bench;

import dev.llmops.cache.repository.SemanticCacheRepository;
import dev.llmops.cache.semantic.IndexSync;
import dev.llmops.cache.semantic.VectorIndex;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rebuild as a replica does it on start: the entries are written into Redis in the semantic tier's layout
 * (one tenant, one scope), then {@link IndexSync#load} reads every vector back and adds it to a fresh index.
 * Meant for a private Redis: it writes about 2 KB per entry and deletes its keys at the end.
 */
final class RedisRebuild {
    private static final String TENANT = "bench";

    private RedisRebuild() {
    }

    static void run(String url, float[][] data, List<String> kinds) {
        Vertx vertx = Vertx.vertx();
        Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
                .setMaxPoolWaiting(256));
        String prefix = "bench:" + System.nanoTime() + ":";
        SemanticCacheRepository repo = new SemanticCacheRepository(redis, prefix, Duration.ofSeconds(60), 1000);
        try {
            long t0 = System.nanoTime();
            write(redis, repo, data);
            System.out.printf(Locale.ROOT, "%nwrote %,d entries to %s in %.1f s%n", data.length, url,
                    (System.nanoTime() - t0) / 1e9);
            System.out.println("| index | entries | rebuild from Redis (read + add) | load |");
            System.out.println("|---|---|---|---|");
            for (String kind : kinds) {
                if (kind.equals("hnsw")) { // its graph build (the in-memory rebuild above) dominates; minutes
                    continue;
                }
                for (int round = 0; round < 2; round++) { // the first one warms the JIT up
                    System.gc();
                    VectorIndex index = SemanticIndexBench.newIndex(kind);
                    long s = System.nanoTime();
                    IndexSync.load(repo, index).await().atMost(Duration.ofMinutes(30));
                    index.search("bench-scope", data[0], 4, 0); // searchable (Lucene: reopen)
                    double secs = (System.nanoTime() - s) / 1e9;
                    if (index.size() != data.length) {
                        throw new IllegalStateException("rebuilt " + index.size() + " of " + data.length);
                    }
                    if (round == 1) {
                        System.out.printf(Locale.ROOT, "| %s | %,d | %.2f s | %.1f |%n", kind, data.length, secs,
                                SemanticIndexBench.loadAverage());
                        break;
                    }
                }
            }
        } finally {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < data.length; i++) {
                keys.add(repo.entryKey(TENANT, Integer.toString(i)));
            }
            for (int from = 0; from < keys.size(); from += 1000) {
                Request del = Request.cmd(Command.DEL);
                keys.subList(from, Math.min(keys.size(), from + 1000)).forEach(del::arg);
                redis.send(del).await().indefinitely();
            }
            redis.send(Request.cmd(Command.DEL).arg(repo.idsKey(TENANT)).arg(repo.tenantsKey())).await()
                    .indefinitely();
            redis.close();
            vertx.closeAndAwait();
        }
    }

    private static void write(Redis redis, SemanticCacheRepository repo, float[][] data) {
        long expires = System.currentTimeMillis() + 3_600_000L;
        String scope = "bench-scope";
        byte[] answer = "a cached answer of a few words".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int from = 0; from < data.length; from += 500) {
            List<Request> batch = new ArrayList<>();
            Request zadd = Request.cmd(Command.ZADD).arg(repo.idsKey(TENANT));
            for (int i = from; i < Math.min(data.length, from + 500); i++) {
                String hash = Integer.toString(i);
                batch.add(Request.cmd(Command.HSET).arg(repo.entryKey(TENANT, hash)).arg("v").arg(bytes(data[i]))
                        .arg("s").arg(scope).arg("q").arg("question number " + i).arg("a").arg(answer)
                        .arg("x").arg(expires));
                zadd.arg(expires).arg(hash);
            }
            batch.add(zadd);
            redis.batch(batch).await().indefinitely();
        }
        redis.send(Request.cmd(Command.SADD).arg(repo.tenantsKey()).arg(TENANT)).await().indefinitely();
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }
}
