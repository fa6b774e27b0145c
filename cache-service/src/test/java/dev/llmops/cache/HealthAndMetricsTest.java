package dev.llmops.cache;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.StoreRequest;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(IsolatedServersResource.class)
class HealthAndMetricsTest {

    @GrpcClient("cache")
    CacheServiceGrpc.CacheServiceBlockingStub cache;

    @Test
    void livenessIsUpAndDoesNotDependOnRedis() {
        given().when().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", not(hasItem(org.hamcrest.Matchers.containsStringIgnoringCase("redis"))));
    }

    @Test
    void readinessIncludesRedis() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(org.hamcrest.Matchers.containsStringIgnoringCase("redis")))
                .body("checks.find { it.name.toLowerCase().contains('redis') }.status", equalTo("UP"));
    }

    @Test
    void lookupsStoresAndInvalidationsAreCounted() {
        String tenant = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        CacheQuery q = CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId(tenant)).setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("count me")).build();

        double hits = metric("llmops_cache_lookups_total", "tier=\"exact\"", "result=\"hit\"");
        double misses = metric("llmops_cache_lookups_total", "tier=\"exact\"", "result=\"miss\"");
        double stores = metric("llmops_cache_stores_total", "tier=\"exact\"", "result=\"stored\"");
        double invalidations = metric("llmops_cache_invalidations_total", "tier=\"exact\"", "scope=\"tenant\"");
        double timed = metric("llmops_cache_lookup_seconds_count", "tier=\"exact\"");

        cache.lookup(LookupRequest.newBuilder().setQuery(q).build());
        cache.store(StoreRequest.newBuilder().setQuery(q)
                .setAnswer(CachedAnswer.newBuilder().setContent("counted")).build());
        cache.lookup(LookupRequest.newBuilder().setQuery(q).build());
        cache.lookup(LookupRequest.newBuilder().setQuery(q).build());
        assertEquals(1, cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build()).getRemoved());

        assertEquals(hits + 2, metric("llmops_cache_lookups_total", "tier=\"exact\"", "result=\"hit\""));
        assertEquals(misses + 1, metric("llmops_cache_lookups_total", "tier=\"exact\"", "result=\"miss\""));
        assertEquals(stores + 1, metric("llmops_cache_stores_total", "tier=\"exact\"", "result=\"stored\""));
        assertEquals(invalidations + 1,
                metric("llmops_cache_invalidations_total", "tier=\"exact\"", "scope=\"tenant\""));
        assertEquals(timed + 3, metric("llmops_cache_lookup_seconds_count", "tier=\"exact\""));
    }

    @Test
    void aStoreAfterAMissedLookupReusesTheLookupsEmbedding() {
        String tenant = "memo-" + UUID.randomUUID().toString().substring(0, 8);
        llmops.cache.v1.SemanticOptions on = llmops.cache.v1.SemanticOptions.newBuilder().setEnabled(true).build();
        var q = query(tenant, "Which screwdriver opens the battery cover of a " + tenant + " smoke alarm?");
        double embeds = unlabelled("llmops_cache_semantic_embed_seconds_count");
        double reused = unlabelled("llmops_cache_semantic_embed_reused_total");
        assertFalse(cache.lookup(LookupRequest.newBuilder().setQuery(q).setSemantic(on).build()).getHit());
        assertTrue(cache.store(StoreRequest.newBuilder().setQuery(q).setSemantic(on)
                .setAnswer(CachedAnswer.newBuilder().setContent("A small Phillips.")).build()).getStored());
        assertEquals(embeds + 1, unlabelled("llmops_cache_semantic_embed_seconds_count"), "embedded once");
        assertEquals(reused + 1, unlabelled("llmops_cache_semantic_embed_reused_total"), "reused by the Store");
    }

    @Test
    void semanticMetersMove() {
        String tenant = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        llmops.cache.v1.SemanticOptions on = llmops.cache.v1.SemanticOptions.newBuilder().setEnabled(true).build();
        double embeds = unlabelled("llmops_cache_semantic_embed_seconds_count")
                + unlabelled("llmops_cache_semantic_embed_reused_total"); // another test may have embedded a text
        double nearest = unlabelled("llmops_cache_semantic_nearest_similarity_count");
        double saved = metric("llmops_cache_cost_avoided_nanos_usd_total", "tier=\"semantic\"");
        cache.store(StoreRequest.newBuilder().setQuery(query(tenant, "How do I renew my passport?"))
                .setAnswer(CachedAnswer.newBuilder().setContent("Online.").setCostNanosUsd(777)).setSemantic(on)
                .build());
        assertTrue(cache.lookup(LookupRequest.newBuilder().setQuery(query(tenant, "How can I renew my passport?"))
                .setSemantic(on).build()).getHit());
        assertEquals(embeds + 2, unlabelled("llmops_cache_semantic_embed_seconds_count")
                + unlabelled("llmops_cache_semantic_embed_reused_total"));
        assertEquals(nearest + 1, unlabelled("llmops_cache_semantic_nearest_similarity_count"));
        assertEquals(saved + 777, metric("llmops_cache_cost_avoided_nanos_usd_total", "tier=\"semantic\""));
        assertTrue(unlabelled("llmops_cache_semantic_rebuilds_total") >= 1, "the start-up rebuild is counted");
        assertTrue(unlabelled("llmops_cache_semantic_index_entries") >= 1);
        assertTrue(unlabelled("llmops_cache_semantic_index_bytes") > 0);
        assertTrue(unlabelled("llmops_cache_semantic_centroid_similarity") > 0);
        cache.invalidate(InvalidateRequest.newBuilder().setTenantId(tenant).build());
    }

    private static CacheQuery query(String tenant, String question) {
        return CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId(tenant)).setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(question)).build();
    }

    /** The value of a sample without labels. */
    private static double unlabelled(String name) {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + name + " in /q/metrics");
    }

    /** The value of the one Prometheus sample of this name whose labels include all the given ones. */
    private static double metric(String name, String... labels) {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Double found = null;
        for (String line : body.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            String labelPart = line.substring(name.length(), line.lastIndexOf('}') + 1);
            boolean all = true;
            for (String l : labels) {
                all &= labelPart.contains(l);
            }
            if (all) {
                assertTrue(found == null, "more than one sample of " + name + " matches " + String.join(",", labels));
                found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        assertTrue(found != null, "no sample " + name + " with " + String.join(",", labels) + " in /q/metrics");
        return found;
    }
}
