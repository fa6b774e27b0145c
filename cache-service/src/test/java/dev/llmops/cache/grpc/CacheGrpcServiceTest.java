package dev.llmops.cache.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.RunKeys;
import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.SemanticConfig;
import dev.llmops.cache.repository.EntryMetaRepository;
import dev.llmops.cache.repository.ExactCacheRepository;
import dev.llmops.cache.service.CacheKeyFactory;
import dev.llmops.cache.service.CacheMetrics;
import dev.llmops.cache.service.ExactCacheService;
import dev.llmops.cache.service.RequestValidator;
import dev.llmops.cache.service.TieredCacheService;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.StoreBatchRequest;
import llmops.cache.v1.StoreBatchResponse;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The cache through its real gRPC endpoint, against the real Redis under this run's own key prefix. */
@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheGrpcServiceTest {

    @GrpcClient("cache")
    CacheServiceGrpc.CacheServiceBlockingStub cache;

    @Inject
    RedisDataSource redis;

    @Inject
    Vertx vertx;

    @Inject
    CacheKeyFactory keyFactory;

    @Inject
    RequestValidator validator;

    @Inject
    CacheMetrics metrics;

    @Inject
    CacheConfig config;

    @Inject
    SemanticConfig semanticConfig;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    @AfterAll
    void removeThisRunsKeys() {
        RunKeys.deleteAll(redis, prefix);
    }

    private static String tenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static CacheQuery query(String tenant, String question) {
        return CacheQuery.newBuilder()
                .setCaller(Caller.newBuilder().setTenantId(tenant).setKeyId("key-1"))
                .setModel("gpt-4o-mini")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("Be brief."))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(question))
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.2).setMaxTokens(100))
                .build();
    }

    private static CachedAnswer answer(String content) {
        return CachedAnswer.newBuilder().setContent(content).setFinishReason("stop").setModel("gpt-4o-mini")
                .setUsage(TokenUsage.newBuilder().setPromptTokens(12).setCompletionTokens(3))
                .setCostNanosUsd(4_200).build();
    }

    private StoreResponse store(CacheQuery q, String content, int ttlSeconds) {
        return cache.store(StoreRequest.newBuilder().setQuery(q).setAnswer(answer(content))
                .setTtlSeconds(ttlSeconds).build());
    }

    private LookupResponse lookup(CacheQuery q) {
        return cache.lookup(LookupRequest.newBuilder().setQuery(q).build());
    }

    @Test
    void storeThenLookupHitsWithTheStoredAnswer() {
        String tenant = tenant();
        CacheQuery q = query(tenant, "What is the capital of France?");

        LookupResponse before = lookup(q);
        assertFalse(before.getHit());
        assertEquals(keyFactory.keyOf(q).hash(), before.getCacheKey());

        StoreResponse stored = store(q, "Paris.", 0);
        assertTrue(stored.getStored());
        assertEquals(before.getCacheKey(), stored.getCacheKey());

        LookupResponse after = lookup(query(tenant, "What is the capital of France?"));
        assertTrue(after.getHit());
        assertEquals("Paris.", after.getAnswer().getContent());
        assertEquals("stop", after.getAnswer().getFinishReason());
        assertEquals(4_200, after.getAnswer().getCostNanosUsd());
        assertEquals(12, after.getAnswer().getUsage().getPromptTokens());
        assertTrue(after.getAnswer().getCreatedUnixMs() > 0, "created time is filled in when the caller gave none");
        assertEquals(stored.getCacheKey(), after.getCacheKey());

        // Redis layout: entry under the documented key with the default TTL (1h), and the tenant's index.
        String entryKey = prefix + "exact:{" + tenant + "}:" + stored.getCacheKey();
        long pttl = redis.key().pttl(entryKey);
        assertTrue(pttl > 3_590_000 && pttl <= 3_600_000, "default TTL is 1h, got " + pttl + " ms");
        List<String> members = redis.sortedSet(String.class).zrange(prefix + "tenant:{" + tenant + "}:keys", 0, -1);
        assertEquals(List.of(stored.getCacheKey()), members);
    }

    @Test
    void keyIdUserAndTagsShareTheTenantsEntriesButParametersDoNot() {
        String tenant = tenant();
        store(query(tenant, "2+2?"), "4", 0);

        CacheQuery otherKey = query(tenant, "2+2?").toBuilder().setCaller(Caller.newBuilder().setTenantId(tenant)
                .setKeyId("key-2").setUserId("bob").putTags("env", "prod")).build();
        assertTrue(lookup(otherKey).getHit());

        CacheQuery otherTemperature = query(tenant, "2+2?").toBuilder()
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.3).setMaxTokens(100)).build();
        assertFalse(lookup(otherTemperature).getHit());
        CacheQuery otherModel = query(tenant, "2+2?").toBuilder().setModel("gpt-4o").build();
        assertFalse(lookup(otherModel).getHit());
    }

    @Test
    void tenantsNeverSeeEachOthersEntries() {
        String a = tenant();
        String b = tenant();
        StoreResponse stored = store(query(a, "secret plan?"), "A's answer", 0);

        LookupResponse asB = lookup(query(b, "secret plan?"));
        assertFalse(asB.getHit());
        assertNotEquals(stored.getCacheKey(), asB.getCacheKey());

        // B invalidating A's key removes nothing of A's.
        long removed = cache.invalidate(InvalidateRequest.newBuilder().setTenantId(b)
                .setCacheKey(stored.getCacheKey()).build()).getRemoved();
        assertEquals(0, removed);
        assertTrue(lookup(query(a, "secret plan?")).getHit());
    }

    @Test
    void entriesExpireAfterTheirTtl() throws InterruptedException {
        String tenant = tenant();
        CacheQuery q = query(tenant, "short-lived?");
        StoreResponse stored = store(q, "soon gone", 1);
        long pttl = redis.key().pttl(prefix + "exact:{" + tenant + "}:" + stored.getCacheKey());
        assertTrue(pttl > 0 && pttl <= 1_000, "ttl_seconds=1 gives at most 1000 ms, got " + pttl);
        assertTrue(lookup(q).getHit());

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean hit = true;
        while (hit && System.nanoTime() < deadline) {
            Thread.sleep(200);
            hit = lookup(q).getHit();
        }
        assertFalse(hit, "the entry must expire after its 1 s TTL");
    }

    @Test
    void ttlIsClampedToTheMaximum() {
        String tenant = tenant();
        StoreResponse stored = store(query(tenant, "forever?"), "no", Integer.MAX_VALUE);
        long pttl = redis.key().pttl(prefix + "exact:{" + tenant + "}:" + stored.getCacheKey());
        long max = Duration.ofHours(24).toMillis();
        assertTrue(pttl > max - 60_000 && pttl <= max, "TTL is clamped to 24h, got " + pttl + " ms");
        long indexTtl = redis.key().pttl(prefix + "tenant:{" + tenant + "}:keys");
        // Both are set by one script; the two reads are a few ms apart.
        assertTrue(indexTtl >= pttl - 100, "the index outlives its entries: " + indexTtl + " < " + pttl);
    }

    @Test
    void invalidateOneEntryByKey() {
        String tenant = tenant();
        StoreResponse one = store(query(tenant, "one?"), "1", 0);
        StoreResponse two = store(query(tenant, "two?"), "2", 0);

        assertEquals(1, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant)
                .setCacheKey(one.getCacheKey()).build()).getRemoved());
        assertFalse(lookup(query(tenant, "one?")).getHit());
        assertTrue(lookup(query(tenant, "two?")).getHit());
        assertEquals(0, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant)
                .setCacheKey(one.getCacheKey()).build()).getRemoved());
        List<String> members = redis.sortedSet(String.class).zrange(prefix + "tenant:{" + tenant + "}:keys", 0, -1);
        assertEquals(List.of(two.getCacheKey()), members);
    }

    @Test
    void invalidateEveryEntryOfATenantOnly() {
        String tenant = tenant();
        String other = tenant();
        int n = 23; // more than the test batch size (7): several batches
        for (int i = 0; i < n; i++) {
            store(query(tenant, "question " + i), "answer " + i, 0);
        }
        store(query(other, "question 0"), "other's answer", 0);

        long removed = cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build()).getRemoved();
        assertEquals(n, removed);
        for (int i = 0; i < n; i++) {
            assertFalse(lookup(query(tenant, "question " + i)).getHit());
        }
        assertTrue(lookup(query(other, "question 0")).getHit());
        assertEquals(0, redis.key().exists(prefix + "tenant:{" + tenant + "}:keys") ? 1 : 0);
        assertEquals(0, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build()).getRemoved());
    }

    @Test
    void expiredEntriesAreNotCountedAndArePrunedFromTheIndex() throws InterruptedException {
        String tenant = tenant();
        store(query(tenant, "gone?"), "x", 1);
        Thread.sleep(1_200);
        StoreResponse live = store(query(tenant, "live?"), "y", 0);
        List<String> members = redis.sortedSet(String.class).zrange(prefix + "tenant:{" + tenant + "}:keys", 0, -1);
        assertEquals(List.of(live.getCacheKey()), members, "a store prunes expired members");
        assertEquals(1, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build()).getRemoved());
    }

    @Test
    void anUnreadableEntryIsAMissNotAnError() {
        String tenant = tenant();
        CacheQuery q = query(tenant, "corrupted?");
        String key = keyFactory.keyOf(q).hash();
        redis.value(byte[].class).setex(prefix + "exact:{" + tenant + "}:" + key, 60, new byte[] {(byte) 0xff, 1, 2});
        LookupResponse r = lookup(q);
        assertFalse(r.getHit());
        store(q, "fixed", 0);
        assertEquals("fixed", lookup(q).getAnswer().getContent());
    }

    @Test
    void aLongPromptAboveTheDefaultGrpcLimitIsCached() {
        String tenant = tenant();
        String longPrompt = "context ".repeat(200_000); // 1.6 MB, well above the 256 KiB default
        CacheQuery q = query(tenant, longPrompt);
        store(q, "summary", 0);
        assertTrue(lookup(q).getHit());
    }

    @Test
    void badInputIsInvalidArgumentWithAClearMessage() {
        String t = tenant();
        CacheQuery good = query(t, "q?");
        expectInvalid("caller.tenant_id is required", () -> lookup(good.toBuilder().clearCaller().build()));
        expectInvalid("caller.tenant_id is required", () -> lookup(good.toBuilder()
                .setCaller(Caller.newBuilder().setKeyId("k")).build()));
        expectInvalid("may only contain", () -> lookup(good.toBuilder()
                .setCaller(Caller.newBuilder().setTenantId("a}b")).build()));
        expectInvalid("may only contain", () -> lookup(good.toBuilder()
                .setCaller(Caller.newBuilder().setTenantId("a b")).build()));
        expectInvalid("longer than 128", () -> lookup(good.toBuilder()
                .setCaller(Caller.newBuilder().setTenantId("x".repeat(129))).build()));
        expectInvalid("model is required", () -> lookup(good.toBuilder().setModel("").build()));
        expectInvalid("messages is empty", () -> lookup(good.toBuilder().clearMessages().build()));
        expectInvalid("role must be one of", () -> lookup(good.toBuilder().addMessages(
                ChatMessage.newBuilder().setContent("no role")).build()));
        expectInvalid("temperature must be", () -> lookup(good.toBuilder().setParameters(
                GenerationParameters.newBuilder().setTemperature(Double.NaN)).build()));
        expectInvalid("top_p must be", () -> lookup(good.toBuilder().setParameters(
                GenerationParameters.newBuilder().setTopP(1.5)).build()));
        expectInvalid("query is required", () -> cache.store(StoreRequest.newBuilder()
                .setAnswer(answer("a")).build()));
        expectInvalid("answer is required", () -> cache.store(StoreRequest.newBuilder().setQuery(good).build()));
        expectInvalid("answer.content is empty", () -> store(good, "", 0));
        expectInvalid("answer.content is empty", () -> store(good, " \n\t", 0));
        expectInvalid("ttl_seconds must be >= 0", () -> store(good, "a", -5));
        expectInvalid("tenant_id is required", () -> cache.invalidate(InvalidateRequest.newBuilder().build()));
        expectInvalid("may only contain", () -> cache.invalidate(InvalidateRequest.newBuilder()
                .setTenantId("*").build()));
        expectInvalid("cache_key must be", () -> cache.invalidate(InvalidateRequest.newBuilder()
                .setTenantId(t).setCacheKey("*").build()));
        // Nothing of the rejected stores reached Redis.
        assertFalse(lookup(good).getHit());
    }

    @Test
    void storeBatchStoresEachEntryWithItsOwnOutcome() {
        String t = tenant();
        StoreRequest.Builder batchItem = StoreRequest.newBuilder().setAnswer(answer("batched answer"));
        StoreBatchResponse response = cache.storeBatch(StoreBatchRequest.newBuilder()
                .addStores(batchItem.clone().setQuery(query(t, "first?")))
                .addStores(batchItem.clone().setQuery(query(t, "second?")).setAnswerFlagged(true))
                .addStores(batchItem.clone().setQuery(query(t, "third?")).setTtlSeconds(-1))
                .addStores(batchItem.clone().setQuery(query(t, "fourth?")))
                .build());

        assertEquals(4, response.getOutcomesCount());
        assertTrue(response.getOutcomes(0).getResponse().getStored());
        assertEquals(0, response.getOutcomes(0).getErrorCode());
        assertFalse(response.getOutcomes(1).getResponse().getStored());
        assertEquals("answer_flagged", response.getOutcomes(1).getResponse().getSkipReason());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), response.getOutcomes(2).getErrorCode());
        assertTrue(response.getOutcomes(2).getErrorMessage().contains("ttl_seconds must be >= 0"),
                response.getOutcomes(2).getErrorMessage());
        assertFalse(response.getOutcomes(2).hasResponse());
        assertTrue(response.getOutcomes(3).getResponse().getStored());
        // the bad entry failed alone: the good ones after it are served
        assertEquals("batched answer", lookup(query(t, "first?")).getAnswer().getContent());
        assertTrue(lookup(query(t, "fourth?")).getHit());
        assertFalse(lookup(query(t, "second?")).getHit());
        assertFalse(lookup(query(t, "third?")).getHit());
    }

    @Test
    void storeBatchSizeIsBounded() {
        expectInvalid("send 1 to 256 stores", () -> cache.storeBatch(StoreBatchRequest.getDefaultInstance()));
        StoreRequest one = StoreRequest.newBuilder().setQuery(query(tenant(), "q")).setAnswer(answer("a")).build();
        StoreBatchRequest.Builder tooMany = StoreBatchRequest.newBuilder();
        for (int i = 0; i <= TieredCacheService.MAX_BATCH; i++) {
            tooMany.addStores(one);
        }
        expectInvalid("(got 257)", () -> cache.storeBatch(tooMany.build()));
    }

    private static void expectInvalid(String messagePart, Supplier<?> call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        String description = e.getStatus().getDescription();
        assertTrue(description != null && description.contains(messagePart),
                "expected '" + messagePart + "' in '" + description + "'");
    }

    @Test
    void redisDownIsUnavailableWithAMessage() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: nothing listens there
        }
        Redis down = Redis.createClient(vertx, "redis://127.0.0.1:" + deadPort);
        try {
            ExactCacheRepository repository = new ExactCacheRepository(down, prefix, Duration.ofMillis(500));
            TieredCacheService service = new TieredCacheService(
                    List.of(new ExactCacheService(repository, config)), keyFactory, validator, metrics, config,
                    semanticConfig, new EntryMetaRepository(down, prefix, Duration.ofMillis(500), config.maxTtl()));
            CacheQuery q = query(tenant(), "anyone there?");

            StatusRuntimeException lookupError = assertThrows(StatusRuntimeException.class, () -> service
                    .lookup(LookupRequest.newBuilder().setQuery(q).build()).await().atMost(Duration.ofSeconds(5)));
            assertEquals(Status.Code.UNAVAILABLE, lookupError.getStatus().getCode());
            assertTrue(lookupError.getStatus().getDescription().contains("treat it as a cache miss"),
                    lookupError.getStatus().getDescription());

            StatusRuntimeException storeError = assertThrows(StatusRuntimeException.class, () -> service
                    .store(StoreRequest.newBuilder().setQuery(q).setAnswer(answer("a")).build())
                    .await().atMost(Duration.ofSeconds(5)));
            assertEquals(Status.Code.UNAVAILABLE, storeError.getStatus().getCode());

            StoreBatchResponse batch = service.storeBatch(StoreBatchRequest.newBuilder()
                            .addStores(StoreRequest.newBuilder().setQuery(q).setAnswer(answer("a"))).build())
                    .await().atMost(Duration.ofSeconds(5));
            assertEquals(Status.Code.UNAVAILABLE.value(), batch.getOutcomes(0).getErrorCode());
            assertTrue(batch.getOutcomes(0).getErrorMessage().contains("the answer was not cached"),
                    batch.getOutcomes(0).getErrorMessage());

            StatusRuntimeException invalidateError = assertThrows(StatusRuntimeException.class, () -> service
                    .invalidate(InvalidateRequest.newBuilder().setTenantId("t").build())
                    .await().atMost(Duration.ofSeconds(5)));
            assertEquals(Status.Code.UNAVAILABLE, invalidateError.getStatus().getCode());

            // Bad input is still INVALID_ARGUMENT, even with Redis down.
            StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> service
                    .lookup(LookupRequest.getDefaultInstance()).await().atMost(Duration.ofSeconds(5)));
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        } finally {
            down.close();
        }
    }
}
