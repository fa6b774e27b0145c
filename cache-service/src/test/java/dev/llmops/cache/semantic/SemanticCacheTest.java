package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cache.RunKeys;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.SemanticOptions;
import llmops.cache.v1.StoreBatchRequest;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The semantic tier through the real gRPC endpoint, the real model and the real Redis (this run's prefix). */
@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SemanticCacheTest {
    static final SemanticOptions ON = SemanticOptions.newBuilder().setEnabled(true).build();

    @GrpcClient("cache")
    CacheServiceGrpc.CacheServiceBlockingStub cache;

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    @AfterAll
    void removeThisRunsKeys() {
        RunKeys.deleteAll(redis, prefix);
    }

    static String tenant() {
        return "sem-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static CacheQuery.Builder query(String tenant, String question) {
        return CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId(tenant)).setModel("gpt-4o-mini")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("You are a support bot."))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(question));
    }

    static CachedAnswer answer(String text) {
        return CachedAnswer.newBuilder().setContent(text).setModel("gpt-4o-mini").setCostNanosUsd(12_345).build();
    }

    StoreResponse store(CacheQuery.Builder q, String text) {
        return cache.store(StoreRequest.newBuilder().setQuery(q).setAnswer(answer(text)).setSemantic(ON).build());
    }

    LookupResponse lookup(CacheQuery.Builder q) {
        return cache.lookup(LookupRequest.newBuilder().setQuery(q).setSemantic(ON).build());
    }

    @Test
    void aParaphraseIsServedFromTheSemanticTierWithItsSimilarity() {
        String t = tenant();
        StoreResponse stored = store(query(t, "How do I reset my password?"), "Click 'Forgot password'.");
        assertTrue(stored.getStored());

        LookupResponse hit = lookup(query(t, "How can I reset my password?"));
        assertTrue(hit.getHit());
        assertEquals(CacheTierKind.CACHE_TIER_KIND_SEMANTIC, hit.getTier());
        assertEquals("Click 'Forgot password'.", hit.getAnswer().getContent());
        assertEquals(stored.getCacheKey(), hit.getEntryKey());
        assertTrue(hit.getSimilarity() >= 0.86 && hit.getSimilarity() < 1.0, "similarity " + hit.getSimilarity());

        LookupResponse exact = lookup(query(t, "How do I reset my password?"));
        assertEquals(CacheTierKind.CACHE_TIER_KIND_EXACT, exact.getTier());
        assertEquals(1.0, exact.getSimilarity());

        // Without the opt-in only the exact tier answers.
        LookupResponse off = cache.lookup(LookupRequest.newBuilder()
                .setQuery(query(t, "How can I reset my password?")).build());
        assertFalse(off.getHit());
        assertEquals(CacheTierKind.CACHE_TIER_KIND_UNSPECIFIED, off.getTier());
        // A threshold above the pair's similarity turns the hit into a miss.
        LookupResponse strict = cache.lookup(LookupRequest.newBuilder().setQuery(query(t, "How can I reset my password?"))
                .setSemantic(SemanticOptions.newBuilder().setEnabled(true).setMinSimilarity(0.999)).build());
        assertFalse(strict.getHit());
    }

    @Test
    void skipExactAsksOnlyTheOtherTiers() {
        String t = tenant();
        // stored in the exact tier only
        cache.store(StoreRequest.newBuilder().setQuery(query(t, "Where is my invoice?"))
                .setAnswer(answer("Under Billing.")).build());
        assertTrue(lookup(query(t, "Where is my invoice?")).getHit());
        assertFalse(cache.lookup(LookupRequest.newBuilder().setQuery(query(t, "Where is my invoice?")).setSemantic(ON)
                .setSkipExact(true).build()).getHit(), "the exact tier is not asked");

        // stored in both: the semantic tier answers the same question
        store(query(t, "How do I close my account?"), "Settings, then Close account.");
        LookupResponse semantic = cache.lookup(LookupRequest.newBuilder()
                .setQuery(query(t, "How do I close my account?")).setSemantic(ON).setSkipExact(true).build());
        assertTrue(semantic.getHit());
        assertEquals(CacheTierKind.CACHE_TIER_KIND_SEMANTIC, semantic.getTier());
    }

    @Test
    void neverAcrossTenants() {
        String a = tenant();
        String b = tenant();
        store(query(a, "What payment methods do you accept?"), "Cards and PayPal.");
        assertTrue(lookup(query(a, "Which payment methods are accepted?")).getHit());
        assertFalse(lookup(query(b, "Which payment methods are accepted?")).getHit());
        assertFalse(lookup(query(b, "What payment methods do you accept?")).getHit());
    }

    @Test
    void scopeNeedsTheSameInstructionsModelClassToolsTurnsAndParameterBand() {
        String t = tenant();
        String q = "How do I cancel my subscription?";
        String p = "How can I cancel my subscription?";
        store(query(t, q).setModelClass("small").setToolsHash("tools-1")
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.1)), "Settings > Billing.");
        CacheQuery.Builder same = query(t, p).setModelClass("small").setToolsHash("tools-1")
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.2));
        assertTrue(lookup(same.clone()).getHit(), "same scope, temperature in the same band");
        assertTrue(lookup(same.clone().setModel("another-small-model")).getHit(), "same model class");
        assertFalse(lookup(same.clone().setModelClass("large")).getHit(), "other model class");
        assertFalse(lookup(same.clone().setToolsHash("tools-2")).getHit(), "other tools");
        assertFalse(lookup(same.clone().setParameters(GenerationParameters.newBuilder().setTemperature(0.9)))
                .getHit(), "other temperature band");
        assertFalse(lookup(same.clone().setMessages(0, ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM)
                .setContent("You are a pirate."))).getHit(), "other system prompt");
        // Multi-turn: the earlier turns must match exactly; only the last user turn is compared by meaning.
        CacheQuery.Builder turns = query(t, "Hi").setModelClass("small").setToolsHash("tools-1")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).setContent("Hello!"))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(q));
        store(turns, "In a conversation: Settings > Billing.");
        CacheQuery.Builder turns2 = turns.clone();
        turns2.setMessages(3, ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(p));
        LookupResponse r = lookup(turns2);
        assertTrue(r.getHit());
        assertEquals("In a conversation: Settings > Billing.", r.getAnswer().getContent());
        CacheQuery.Builder otherHistory = turns2.clone();
        otherHistory.setMessages(2, ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).setContent("Hey there!"));
        assertFalse(lookup(otherHistory).getHit());
    }

    @Test
    void theSecondStageRefusesNearDuplicatesThatDiffer() {
        String t = tenant();
        store(query(t, "How do I minimize the window?"), "Press the _ button.");
        store(query(t, "What is the capital of France?"), "Paris.");
        store(query(t, "Convert 5 kilometres to miles."), "3.1 miles.");
        assertFalse(lookup(query(t, "How do I maximize the window?")).getHit());
        assertFalse(lookup(query(t, "What is the capital of Germany?")).getHit());
        assertFalse(lookup(query(t, "Convert 8 kilometres to miles.")).getHit());
        assertTrue(lookup(query(t, "What's the capital city of France?")).getHit());
    }

    @Test
    void whatMustNeverBeCachedIsDeclined() {
        String t = tenant();
        String[] reasons = {"is_error", "answer_flagged", "unredacted_pii", "opted_out"};
        for (int i = 0; i < reasons.length; i++) {
            CacheQuery.Builder q = query(t, "Question number " + i + " about invoices?");
            StoreRequest.Builder r = StoreRequest.newBuilder().setQuery(q).setAnswer(answer("x")).setSemantic(ON);
            switch (i) {
                case 0 -> r.setIsError(true);
                case 1 -> r.setAnswerFlagged(true);
                case 2 -> r.setContainsUnredactedPii(true);
                default -> r.setOptedOut(true);
            }
            StoreResponse s = cache.store(r.build());
            assertFalse(s.getStored());
            assertEquals(reasons[i], s.getSkipReason());
            assertFalse(lookup(q).getHit());
        }
        // A tenant that opted out (llmops.cache.semantic.opted-out-tenants) is never stored nor served.
        StoreResponse s = store(query("optout-tenant", "How do I reset my password?"), "x");
        assertFalse(s.getStored());
        assertEquals("tenant_opted_out", s.getSkipReason());
    }

    @Test
    void invalidateByDocumentTagAgeKeyAndTenant() throws Exception {
        String t = tenant();
        StoreRequest.Builder pricing = StoreRequest.newBuilder().setQuery(query(t, "How much does the pro plan cost?"))
                .setAnswer(answer("$10")).setSemantic(ON).addDocumentIds("doc-pricing").addTags("kb:billing");
        StoreRequest.Builder refunds = StoreRequest.newBuilder().setQuery(query(t, "What is your refund policy?"))
                .setAnswer(answer("30 days")).setSemantic(ON).addDocumentIds("doc-refunds").addTags("kb:billing");
        StoreRequest.Builder hours = StoreRequest.newBuilder().setQuery(query(t, "What are your opening hours?"))
                .setAnswer(answer("9-5")).setSemantic(ON).addTags("kb:general");
        cache.store(pricing.build());
        cache.store(refunds.build());
        cache.store(hours.build());

        // A stale RAG document: both tiers stop serving answers built on it.
        long removed = cache.invalidate(InvalidateRequest.newBuilder().setTenantId(t).addDocumentIds("doc-pricing")
                .build()).getRemoved();
        assertEquals(2, removed, "the exact and the semantic copy");
        assertFalse(lookup(query(t, "How much does the pro plan cost?")).getHit());
        assertFalse(lookup(query(t, "What does the pro plan cost?")).getHit());
        assertTrue(lookup(query(t, "What is your refund policy?")).getHit());

        assertEquals(2, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(t).addTags("kb:billing").build())
                .getRemoved());
        assertFalse(lookup(query(t, "What's your refund policy?")).getHit());
        assertTrue(lookup(query(t, "what are your opening hours")).getHit());

        // By age: everything created before now.
        long cutoff = System.currentTimeMillis() + 1;
        Thread.sleep(5);
        StoreResponse fresh = store(query(t, "Do you ship internationally?"), "Yes.");
        assertEquals(2, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(t).setCreatedBeforeUnixMs(cutoff)
                .build()).getRemoved());
        assertFalse(lookup(query(t, "what are your opening hours")).getHit());
        assertTrue(lookup(query(t, "do you ship internationally")).getHit());

        // By key, then the whole tenant.
        assertEquals(2, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(t)
                .setCacheKey(fresh.getCacheKey()).build()).getRemoved());
        assertFalse(lookup(query(t, "do you ship internationally")).getHit());
        store(query(t, "How do I track my order?"), "Use the link.");
        assertEquals(2, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(t).build()).getRemoved());
        assertFalse(lookup(query(t, "how do i track my order")).getHit());
    }

    @Test
    void aTenantIsBoundedAndTheOldestAreEvicted() {
        String t = tenant(); // %test bound: 50 entries per tenant
        // one ms apart: two stores in the same ms would leave the age order to the keys' hashes
        long created = System.currentTimeMillis() - 60_000;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 55; i++) {
            keys.add(cache.store(StoreRequest.newBuilder().setQuery(query(t, "Entry " + i))
                    .setAnswer(answer("a" + i).toBuilder().setCreatedUnixMs(created + i)).build()).getCacheKey());
        }
        for (int i = 0; i < 5; i++) {
            assertFalse(cache.lookup(LookupRequest.newBuilder().setQuery(query(t, "Entry " + i)).build()).getHit(),
                    "entry " + i + " should have been evicted");
        }
        for (int i = 5; i < 55; i++) {
            assertTrue(cache.lookup(LookupRequest.newBuilder().setQuery(query(t, "Entry " + i)).build()).getHit());
        }
        assertEquals(50L, redis.sortedSet(String.class).zcard(prefix + "meta:{" + t + "}:created"));
        // the store's own script deleted the evicted entries and their index members
        assertEquals(50L, redis.sortedSet(String.class).zcard(prefix + "tenant:{" + t + "}:keys"));
        for (int i = 0; i < 5; i++) {
            assertFalse(redis.key().exists(prefix + "exact:{" + t + "}:" + keys.get(i)));
        }
    }

    @Test
    void aStoreBatchAtTheBoundRemovesTheEvictedEntriesFromBothTiers() {
        String t = tenant(); // %test bound: 50 entries per tenant
        long created = System.currentTimeMillis() - 60_000; // one ms apart: the age order is the question order
        StoreBatchRequest.Builder first = StoreBatchRequest.newBuilder();
        for (int i = 0; i < 50; i++) {
            first.addStores(StoreRequest.newBuilder().setQuery(query(t, "Question number " + i))
                    .setAnswer(answer("a" + i).toBuilder().setCreatedUnixMs(created + i)).setSemantic(ON));
        }
        List<String> keys = new ArrayList<>();
        cache.storeBatch(first.build()).getOutcomesList().forEach(o -> keys.add(o.getResponse().getCacheKey()));
        assertEquals(50L, redis.sortedSet(String.class).zcard(prefix + "sem:{" + t + "}:ids"));

        // five more, each evicting the oldest; the semantic copies go in one call per tenant after the batch's stores
        StoreBatchRequest.Builder more = StoreBatchRequest.newBuilder();
        for (int i = 50; i < 55; i++) {
            more.addStores(StoreRequest.newBuilder().setQuery(query(t, "Question number " + i))
                    .setAnswer(answer("a" + i).toBuilder().setCreatedUnixMs(created + i)).setSemantic(ON));
        }
        cache.storeBatch(more.build()).getOutcomesList().forEach(o -> assertTrue(o.getResponse().getStored()));
        assertEquals(50L, redis.sortedSet(String.class).zcard(prefix + "meta:{" + t + "}:created"));
        assertEquals(50L, redis.sortedSet(String.class).zcard(prefix + "sem:{" + t + "}:ids"));
        List<String> live = redis.sortedSet(String.class).zrange(prefix + "sem:{" + t + "}:ids", 0, -1);
        for (String evicted : keys.subList(0, 5)) {
            assertFalse(redis.key().exists(prefix + "exact:{" + t + "}:" + evicted));
            assertFalse(redis.key().exists(prefix + "sem:{" + t + "}:" + evicted), "semantic copy of " + evicted);
            assertFalse(live.contains(evicted));
        }
        assertTrue(redis.key().exists(prefix + "sem:{" + t + "}:" + keys.get(5)));
    }

    @Test
    void badSemanticInputIsInvalidArgument() {
        String t = tenant();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> cache.lookup(LookupRequest
                .newBuilder().setQuery(query(t, "x")).setSemantic(SemanticOptions.newBuilder().setEnabled(true)
                        .setMinSimilarity(1.5)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("min_similarity"));
        e = assertThrows(StatusRuntimeException.class, () -> cache.invalidate(InvalidateRequest.newBuilder()
                .setTenantId(t).setCacheKey("a".repeat(64)).addTags("x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        StoreRequest.Builder many = StoreRequest.newBuilder().setQuery(query(t, "x")).setAnswer(answer("y"));
        for (int i = 0; i < 33; i++) {
            many.addTags("t" + i);
        }
        e = assertThrows(StatusRuntimeException.class, () -> cache.store(many.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("tags"));
    }
}
