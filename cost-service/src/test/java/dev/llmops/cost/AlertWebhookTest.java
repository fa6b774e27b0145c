package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;
import org.junit.jupiter.api.Test;

/** Budget alerts copied to a webhook (a local HTTP receiver): retried after a 503, once per threshold. */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, restrictToAnnotatedClass = true, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
@QuarkusTestResource(value = AlertWebhookReceiver.class, restrictToAnnotatedClass = true)
class AlertWebhookTest {
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    @Test
    void thresholdCrossingsArePostedAndRetried() throws Exception {
        // tenant-hook: 0.001 USD total, soft (see %test in application.properties)
        Caller c = Caller.newBuilder().setTenantId("tenant-hook").setKeyId("k-" + UUID.randomUUID()).build();
        for (long prompt : new long[] {6000, 1000, 2000, 3000, 5000}) { // 0.6, 0.7, 0.9, 1.2, 1.7 of the limit
            String rid = UUID.randomUUID().toString();
            cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(c).setModel("local-echo")
                    .setPromptTokens(prompt).build());
            cost.settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(c).setModel("local-echo")
                    .setUsage(TokenUsage.newBuilder().setPromptTokens(prompt)).build());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (delivered().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
        List<AlertWebhookReceiver.Received> ok = delivered();
        assertEquals(List.of(50, 80, 100), ok.stream()
                .map(r -> new JsonObject(r.body()).getInteger("threshold_percent")).sorted().toList(),
                "each threshold posted once: " + AlertWebhookReceiver.RECEIVED);
        for (AlertWebhookReceiver.Received r : ok) {
            assertEquals(2, r.attempt(), "delivered on the retry after the 503: " + r);
            assertTrue(AlertWebhookReceiver.RECEIVED.stream()
                    .anyMatch(x -> x.alertId().equals(r.alertId()) && x.attempt() == 1 && x.answered() == 503), r
                    .toString());
        }
        JsonObject full = ok.stream().map(r -> new JsonObject(r.body()))
                .filter(j -> j.getInteger("threshold_percent") == 100).findFirst().orElseThrow();
        assertEquals("budget.alert.v1", full.getString("type"));
        assertEquals("tenant-hook", full.getString("tenant_id"));
        assertEquals("tenant/tenant-hook", full.getString("budget_id"));
        assertEquals("total", full.getString("period"));
        assertEquals(1_000_000L, full.getLong("limit_nanos_usd"));
        assertEquals(1_200_000L, full.getLong("spent_nanos_usd"));
        assertEquals("0.001200000", full.getString("spent_usd"));
        assertEquals(false, full.getBoolean("hard"));
    }

    private static List<AlertWebhookReceiver.Received> delivered() {
        return AlertWebhookReceiver.RECEIVED.stream().filter(r -> r.answered() == 204).toList();
    }
}
