package dev.llmops.guardrail;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.GuardrailServiceGrpc.GuardrailServiceBlockingStub;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
class HealthAndMetricsTest {

    @GrpcClient("guardrail")
    GuardrailServiceBlockingStub guardrail;

    @Test
    void liveIsUpAndDoesNotIncludeRedis() {
        given().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", not(hasItem("guardrail-redis")));
    }

    @Test
    void readyIncludesRedis() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("guardrail-redis"));
    }

    @Test
    void findingsCounterAndScanTimerAreExported() {
        double before = emailRedactions();
        guardrail.checkOutput(CheckOutputRequest.newBuilder().setContent("a@example.com and b@example.com").build());
        double after = emailRedactions();
        assertTrue(after - before == 2.0, "before " + before + " after " + after);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("llmops_guardrail_scan_seconds_count{direction=\"output\",verdict=\"redact\"}"))
                .body(containsString("llmops_guardrail_scan_seconds_bucket{"));
    }

    private static double emailRedactions() {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^llmops_guardrail_findings_total\\{([^}]*)\\} (\\S+)$").matcher(body);
        while (m.find()) {
            if (m.group(1).contains("type=\"EMAIL\"") && m.group(1).contains("action=\"redact\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
