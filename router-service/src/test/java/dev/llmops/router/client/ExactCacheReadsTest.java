package dev.llmops.router.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.CacheKey;
import dev.llmops.cache.repository.EntryMetaRepository;
import dev.llmops.cache.repository.ExactCacheRepository;
import dev.llmops.cache.service.CacheKeyFactory;
import dev.llmops.router.limits.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.List;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The router's direct reads of the cache-service's exact tier, against the real Redis. */
class ExactCacheReadsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private final TestRedis redis = new TestRedis();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        redis.close();
    }

    private static CacheQuery query(String tenant, double temperature) {
        return CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId(tenant).setKeyId("k1"))
                .setModel("local-echo").setModelClass("local-echo")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("Name three primary colours."))
                .setParameters(GenerationParameters.newBuilder().setTemperature(temperature)).build();
    }

    /** Stores as the cache-service does: its repository, its key, its PUT script. */
    private void storeAsTheCacheService(CacheQuery query, CachedAnswer answer) {
        CacheKey key = new CacheKeyFactory().keyOf(query);
        String tenant = key.tenantId();
        new ExactCacheRepository(redis.client(), redis.prefix, WAIT).put(key, answer.toByteArray(),
                Duration.ofMinutes(1), new EntryMetaRepository.Record(List.of(redis.prefix + "tenant:{" + tenant
                        + "}:created"), System.currentTimeMillis(), 60_000, 100)).await().atMost(WAIT);
    }

    private double count(String result) {
        return registry.get("llmops_router_cache_exact_reads_total").tag("result", result).counter().count();
    }

    @Test
    void readsWhatTheCacheServiceStoredAndNothingElse() {
        CachedAnswer answer = CachedAnswer.newBuilder().setContent("Red, yellow and blue.").setFinishReason("stop")
                .setModel("local-echo").setCostNanosUsd(1234).build();
        storeAsTheCacheService(query("t1", 0.2), answer);
        ExactCacheReads reads = new ExactCacheReads(redis.client(), redis.prefix, WAIT, registry);

        assertEquals(answer, reads.lookup(query("t1", 0.2)).await().atMost(WAIT));
        assertEquals(1, count("hit"));
        assertNull(reads.lookup(query("t1", 0.3)).await().atMost(WAIT), "another temperature is another answer");
        assertNull(reads.lookup(query("t2", 0.2)).await().atMost(WAIT), "entries never cross tenants");
        assertNull(new ExactCacheReads(redis.client(), redis.prefix + "other:", WAIT, registry)
                .lookup(query("t1", 0.2)).await().atMost(WAIT), "another prefix is another cache");
        assertEquals(3, count("miss"));
        assertEquals(0, count("error"));
    }

    @Test
    void anUnreadableEntryIsAMiss() {
        CacheQuery q = query("t1", 0.2);
        CacheKey key = new CacheKeyFactory().keyOf(q);
        String entry = new ExactCacheRepository(redis.client(), redis.prefix, WAIT)
                .entryKey(key.tenantId(), key.hash());
        // field 1 with wire type 7, which protobuf does not have
        redis.send(Request.cmd(Command.SET).arg(entry).arg(new byte[] {0x0F}));

        assertNull(new ExactCacheReads(redis.client(), redis.prefix, WAIT, registry).lookup(q).await().atMost(WAIT));
        assertEquals(1, count("error"));
        assertEquals(0, count("hit"));
    }

    @Test
    void redisDownIsAMissWithinTheTimeout() throws Exception {
        Redis down = Redis.createClient(redis.vertx, "redis://127.0.0.1:" + TestRedis.freePort());
        long start = System.nanoTime();
        assertNull(new ExactCacheReads(down, redis.prefix, Duration.ofMillis(300), registry).lookup(query("t1", 0.2))
                .await().atMost(WAIT));
        assertTrue(System.nanoTime() - start < WAIT.toNanos());
        assertEquals(1, count("error"));
        down.close();
    }
}
