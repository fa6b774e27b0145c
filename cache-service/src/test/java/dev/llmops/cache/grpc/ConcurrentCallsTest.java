package dev.llmops.cache.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.RunKeys;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.MutinyCacheServiceGrpc;
import llmops.cache.v1.StoreRequest;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Many callers at once, as under the router's load: every Lookup and Store must succeed. With the Redis client's
 * default pool (6 connections, 24 waiting) this failed with "Connection pool reached max wait queue size".
 */
@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentCallsTest {
    private static final int IN_FLIGHT = 64;
    private static final int PAIRS = 3_000;

    @GrpcClient("cache")
    MutinyCacheServiceGrpc.MutinyCacheServiceStub cache;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    @AfterAll
    void removeThisRunsKeys() {
        RunKeys.deleteAll(redis, prefix);
    }

    private static CacheQuery query(String tenant, String question) {
        return CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId(tenant).setKeyId("k"))
                .setModel("gpt-4o-mini")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(question)).build();
    }

    @Test
    void manyConcurrentLookupsAndStoresNeverFail() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        long start = System.nanoTime();
        // Each pair: Lookup (a miss), Store, Lookup again (a hit): three calls, up to IN_FLIGHT pairs at once.
        Multi.createFrom().range(0, PAIRS).onItem().transformToUni(i -> {
            CacheQuery q = query("conc-" + run + "-" + (i % 4), "question " + i + " of " + run);
            return cache.lookup(LookupRequest.newBuilder().setQuery(q).build())
                    .chain(miss -> cache.store(StoreRequest.newBuilder().setQuery(q)
                            .setAnswer(CachedAnswer.newBuilder().setContent("answer " + i)).build()))
                    .invoke(s -> {
                        if (s.getStored()) {
                            stored.incrementAndGet();
                        }
                    })
                    .chain(s -> cache.lookup(LookupRequest.newBuilder().setQuery(q).build()))
                    .invoke(hit -> {
                        if (hit.getHit() && hit.getAnswer().getContent().equals("answer " + i)) {
                            hits.incrementAndGet();
                        }
                    })
                    .replaceWithVoid()
                    .onFailure().recoverWithUni(e -> {
                        Status s = Status.fromThrowable(e);
                        failures.computeIfAbsent(s.getCode() + ": " + s.getDescription(), k -> new AtomicInteger())
                                .incrementAndGet();
                        return Uni.createFrom().voidItem();
                    });
        }).merge(IN_FLIGHT).collect().last().await().atMost(Duration.ofMinutes(3));
        double secs = (System.nanoTime() - start) / 1e9;

        assertTrue(failures.isEmpty(), "failed calls: " + failures);
        assertEquals(PAIRS, stored.get(), "every Store stored");
        assertEquals(PAIRS, hits.get(), "every stored answer is found again");
        System.out.printf("%d calls with %d pairs in flight in %.1f s (%.0f calls/s), no failure%n", 3 * PAIRS,
                IN_FLIGHT, secs, 3 * PAIRS / secs);
    }
}
