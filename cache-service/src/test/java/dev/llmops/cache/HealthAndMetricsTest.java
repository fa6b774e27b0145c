package dev.llmops.cache;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
