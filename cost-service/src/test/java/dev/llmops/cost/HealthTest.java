package dev.llmops.cost;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class HealthTest {

    @Test
    void readinessCoversRedisDatabaseAndBroker() {
        JsonPath ready = given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .extract().jsonPath();
        String names = String.join(" | ", ready.<String>getList("checks.name"));
        String body = ready.prettify();
        assertTrue(body.contains("usage-events"), "the usage-events channel is part of readiness: " + body);
        assertTrue(names.toLowerCase().contains("redis"), names);
        assertTrue(names.toLowerCase().contains("postgresql") || names.toLowerCase().contains("database"), names);
        assertTrue(names.toLowerCase().contains("messaging"), names);
    }

    @Test
    void livenessDependsOnNothingExternal() {
        JsonPath live = given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .extract().jsonPath();
        String body = live.prettify().toLowerCase();
        for (String dependency : List.of("redis", "postgresql", "database", "usage-events", "rabbitmq")) {
            assertTrue(!body.contains(dependency), dependency + " in liveness: " + body);
        }
    }

    @Test
    void metricsAreExported() {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(body.contains("jvm_memory_used_bytes"), "prometheus format");
    }
}
