package dev.llmops.cost;

import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Arrays;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Latency of the hot path the router calls on every request (Reserve, then Settle), one caller, sequential,
 * over gRPC on the shared port against the real Redis. Off by default; run with
 * {@code ./mvnw -B -pl cost-service verify -Dtest=BudgetBenchmarkTest -Dbench=true}.
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
@EnabledIfSystemProperty(named = "bench", matches = "true")
class BudgetBenchmarkTest {
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    @Test
    void reserveThenSettle() {
        Caller caller = Caller.newBuilder().setTenantId("bench").setKeyId("key-unlimited").build();
        run(caller, 2_000);
        long[] reserve = new long[10_000];
        long[] settle = new long[reserve.length];
        for (int i = 0; i < reserve.length; i++) {
            String rid = UUID.randomUUID().toString();
            long t0 = System.nanoTime();
            cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller).setModel("gpt-4o-mini")
                    .setPromptTokens(800).setMaxCompletionTokens(400).build());
            long t1 = System.nanoTime();
            cost.settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(caller).setModel("gpt-4o-mini")
                    .setUsage(TokenUsage.newBuilder().setPromptTokens(800).setCompletionTokens(120)).build());
            long t2 = System.nanoTime();
            reserve[i] = t1 - t0;
            settle[i] = t2 - t1;
        }
        System.out.printf("BENCH reserve p50=%.3f ms p99=%.3f ms; settle p50=%.3f ms p99=%.3f ms (n=%d)%n",
                pct(reserve, 50), pct(reserve, 99), pct(settle, 50), pct(settle, 99), reserve.length);
    }

    private void run(Caller caller, int n) {
        for (int i = 0; i < n; i++) {
            String rid = UUID.randomUUID().toString();
            cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller).setModel("gpt-4o-mini")
                    .setPromptTokens(800).setMaxCompletionTokens(400).build());
            cost.settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(caller).setModel("gpt-4o-mini")
                    .setUsage(TokenUsage.newBuilder().setPromptTokens(800).setCompletionTokens(120)).build());
        }
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
    }
}
