package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.config.SemanticConfig;
import dev.llmops.cache.repository.SemanticCacheRepository;
import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Inject;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.StoreRequest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Replicas share entries through Redis: a second index instance in this JVM (its own repository, its own
 * timers) follows the application's writes, and an index on a private redis-server notices a Redis restart.
 */
@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
class ReplicaSyncTest {

    @GrpcClient("cache")
    CacheServiceGrpc.CacheServiceBlockingStub cache;

    @Inject
    Vertx vertx;

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    SemanticConfig config;

    @Inject
    SemanticMetrics metrics;

    @Inject
    Embedder embedder;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    @Test
    void anotherReplicaRebuildsOnStartAndFollowsNewEntriesAndInvalidationsWithinASecond() throws Exception {
        String tenant = SemanticCacheTest.tenant();
        CacheQuery.Builder before = SemanticCacheTest.query(tenant, "How do I renew my passport?");
        String beforeKey = cache.store(StoreRequest.newBuilder().setQuery(before)
                .setAnswer(SemanticCacheTest.answer("Online.")).setSemantic(SemanticCacheTest.ON).build())
                .getCacheKey();

        IndexSync replica = new IndexSync(new SemanticCacheRepository(redis.getRedis(), prefix,
                Duration.ofSeconds(2), 10_000), config, metrics);
        replica.startFollowing(vertx);
        try {
            waitFor(replica::ready, Duration.ofSeconds(30), "the replica's first rebuild");
            assertTrue(contains(replica, before, beforeKey), "an entry stored before the replica started is rebuilt");

            CacheQuery.Builder after = SemanticCacheTest.query(tenant, "How do I close my bank account?");
            String afterKey = cache.store(StoreRequest.newBuilder().setQuery(after)
                    .setAnswer(SemanticCacheTest.answer("At a branch.")).setSemantic(SemanticCacheTest.ON).build())
                    .getCacheKey();
            long start = System.nanoTime();
            waitFor(() -> contains(replica, after, afterKey), Duration.ofSeconds(1), "the new entry on the replica");
            long seenMs = (System.nanoTime() - start) / 1_000_000;

            cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).setCacheKey(afterKey).build());
            waitFor(() -> !contains(replica, after, afterKey), Duration.ofSeconds(1), "the invalidation on the replica");
            cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build());
            waitFor(() -> !contains(replica, before, beforeKey), Duration.ofSeconds(1), "the tenant invalidation");
            System.out.println("replica saw a new entry after " + seenMs + " ms");
        } finally {
            replica.stopFollowing();
        }
    }

    @Test
    void aRestartedRedisResetsTheIndexAndFollowingResumes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = startRedis(port);
        Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
        SemanticCacheRepository repo = new SemanticCacheRepository(client, "restart-test:", Duration.ofSeconds(1),
                10_000);
        IndexSync sync = new IndexSync(repo, config, metrics);
        try {
            sync.startFollowing(vertx);
            waitFor(sync::ready, Duration.ofSeconds(30), "the first rebuild");
            CacheQuery.Builder q = SemanticCacheTest.query("t1", "How do I renew my passport?");
            put(repo, q, "k1");
            waitFor(() -> contains(sync, q, "k1"), Duration.ofSeconds(2), "the entry");

            server.destroy();
            server.waitFor();
            server = startRedis(port); // comes back empty, with a new run_id
            waitFor(() -> sync.index().size() == 0, Duration.ofSeconds(15), "the reset after the restart");

            CacheQuery.Builder q2 = SemanticCacheTest.query("t1", "How do I close my bank account?");
            put(repo, q2, "k2");
            waitFor(() -> contains(sync, q2, "k2"), Duration.ofSeconds(3), "an entry written after the restart");
            assertEquals(1, sync.index().size());
        } finally {
            sync.stopFollowing();
            client.close();
            server.destroy();
            server.waitFor();
        }
    }

    private void put(SemanticCacheRepository repo, CacheQuery.Builder q, String hash) {
        SemanticScope scope = SemanticScope.of(q.build());
        repo.put("t1", hash, scope.scope(), embedder.embedNow(scope.text()), scope.text(),
                CachedAnswer.newBuilder().setContent("a").build().toByteArray(), Duration.ofMinutes(5))
                .await().atMost(Duration.ofSeconds(5));
    }

    private boolean contains(IndexSync sync, CacheQuery.Builder q, String hash) {
        SemanticScope scope = SemanticScope.of(q.build());
        float[] v = embedder.embedNow(scope.text());
        return sync.index().search(scope.scope(), v, 4, System.currentTimeMillis()).stream()
                .anyMatch(h -> h.hash().equals(hash) && h.similarity() > 0.99);
    }

    private static void waitFor(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + max.toMillis() + " ms: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Process startRedis(int port) throws Exception {
        Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return p;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IllegalStateException("private redis-server did not start on port " + port);
    }
}
