package dev.llmops.guardrail;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.util.List;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.GuardrailServiceGrpc.GuardrailServiceBlockingStub;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Readiness follows Redis; liveness and the checks themselves do not. Uses a private redis-server. */
@QuarkusTest
@TestProfile(RedisOutageTest.PrivateRedisProfile.class)
class RedisOutageTest {

    /** Replaces the module's global IsolatedServersResource with one that owns its redis-server. */
    public static class PrivateRedisProfile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrivateRedisResource.class, java.util.Map.of("rabbitmq", "true")));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisHosts;

    @GrpcClient("guardrail")
    GuardrailServiceBlockingStub guardrail;

    @Test
    void readinessGoesDownWithRedisAndComesBack() throws InterruptedException {
        int port = URI.create(redisHosts).getPort();
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

        PrivateRedisResource.stopRedis(port);
        try {
            given().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'guardrail-redis' }.status", equalTo("DOWN"));
            given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            // Today's checks do not need Redis: they keep working.
            assertEquals(Action.ACTION_REDACT, guardrail.checkOutput(
                    CheckOutputRequest.newBuilder().setContent("x@example.com").build()).getAction());
        } finally {
            PrivateRedisResource.startRedis(port);
        }

        int status = 0;
        for (int i = 0; i < 100 && status != 200; i++) {
            Thread.sleep(100);
            status = given().get("/q/health/ready").then().extract().statusCode();
        }
        assertEquals(200, status, "readiness did not come back after Redis restarted");
        given().get("/q/health/ready").then().body("checks.name", hasItem("guardrail-redis"));
    }
}
