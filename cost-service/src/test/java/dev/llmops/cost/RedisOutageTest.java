package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.messaging.BudgetAlertPublisher;
import dev.llmops.cost.repository.BudgetStore;
import dev.llmops.cost.service.BudgetPolicy;
import dev.llmops.cost.service.BudgetService;
import dev.llmops.cost.service.PriceCatalog;
import dev.llmops.cost.service.TokenCounter;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Inject;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.events.v1.UsageEvent;
import org.junit.jupiter.api.Test;

/**
 * Redis going away, on a private redis-server this test starts and stops (the shared one is never touched):
 * the budget service fails closed with UNAVAILABLE (or, with the fail-open policy, lets the request through and
 * counts the exposure), and works again once Redis is back, although the new server has lost the cached scripts
 * (the NOSCRIPT path).
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class RedisOutageTest {
    @Inject
    Vertx vertx;
    @Inject
    PriceCatalog prices;
    @Inject
    BudgetPolicy policy;
    @Inject
    CostConfig config;
    @Inject
    TokenCounter tokens;
    @Inject
    BudgetAlertPublisher alerts;
    @Inject
    MeterRegistry registry;

    /** The service's config with another Redis failure policy. */
    private CostConfig withPolicy(String policy) {
        return (CostConfig) Proxy.newProxyInstance(CostConfig.class.getClassLoader(), new Class<?>[] {CostConfig.class},
                (proxy, method, args) -> method.getName().equals("redisFailurePolicy") ? policy
                        : method.invoke(config, args));
    }

    @Test
    void redisOutageIsUnavailableAndRecovers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process redisServer = startRedis(port);
        Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
        try {
            var dataSource = new ReactiveRedisDataSourceImpl(vertx, client, RedisAPI.api(client));
            BudgetStore store = new BudgetStore(dataSource, () -> "outage-test:", config);
            BudgetService budgets = new BudgetService(prices, policy, store, tokens, alerts, config, registry);
            BudgetService open = new BudgetService(prices, policy, store, tokens, alerts, withPolicy("fail-open"),
                    registry);

            assertEquals(750_000, reserve(budgets).getReservedNanosUsd());

            redisServer.destroy();
            redisServer.waitFor();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> reserve(budgets));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("budget store (Redis) unavailable"),
                    e.getStatus().getDescription());
            // fail-open: the request goes through unreserved, flagged, and the exposure is counted
            double exposureBefore = registry.counter("llmops.cost.fail.open.exposure.nanos.usd").count();
            ReserveResponse passed = reserve(open);
            assertTrue(passed.getFailOpen());
            assertEquals(0, passed.getReservedNanosUsd());
            assertEquals(-1, passed.getRemainingNanosUsd());
            assertEquals(exposureBefore + 750_000,
                    registry.counter("llmops.cost.fail.open.exposure.nanos.usd").count());
            // and its Settle still prices the usage (the ledger records it from the usage event)
            assertEquals(450_000, open.settle(SettleRequest.newBuilder().setRequestId("r-open")
                    .setCaller(Caller.newBuilder().setTenantId("t").setKeyId("k-outage")).setModel("gpt-4o-mini")
                    .setUsage(TokenUsage.newBuilder().setPromptTokens(1000).setCompletionTokens(500)).build())
                    .await().atMost(Duration.ofSeconds(10)).getCostNanosUsd());

            // a usage event that carries its Settle: fail-closed fails the batch (the consumer delivers it again),
            // fail-open lets it through as the Settle call would
            UsageEvent carried = UsageEvent.newBuilder().setRequestId("r-event").setOccurredUnixMs(System.currentTimeMillis())
                    .setCaller(Caller.newBuilder().setTenantId("t").setKeyId("k-outage")).setServedModel("gpt-4o-mini")
                    .setUsage(TokenUsage.newBuilder().setPromptTokens(1000).setCompletionTokens(500))
                    .setSettleBudget(true).build();
            StatusRuntimeException notSettled = assertThrows(StatusRuntimeException.class,
                    () -> budgets.settleEvents(List.of(carried)).await().atMost(Duration.ofSeconds(10)));
            assertEquals(Status.Code.UNAVAILABLE, notSettled.getStatus().getCode());
            open.settleEvents(List.of(carried)).await().atMost(Duration.ofSeconds(10));

            redisServer = startRedis(port);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            Long reserved = null;
            while (reserved == null && System.nanoTime() < deadline) {
                try {
                    reserved = reserve(budgets).getReservedNanosUsd();
                } catch (StatusRuntimeException retry) {
                    assertEquals(Status.Code.UNAVAILABLE, retry.getStatus().getCode());
                    Thread.sleep(200);
                }
            }
            assertEquals(750_000L, reserved, "works again after Redis came back (scripts reloaded)");
            budgets.settleEvents(List.of(carried)).await().atMost(Duration.ofSeconds(10));
            // the store answers "already settled" (2) with the first cost: the event's settle landed
            BudgetStore.ScriptResult again = store.settle("t", "r-event", 1, policy.budgetsFor("t", "", "k-outage", ""),
                    java.time.Instant.now()).await().atMost(Duration.ofSeconds(10));
            assertEquals(2, again.get(0));
            assertEquals(450_000, again.get(1));
        } finally {
            client.close();
            redisServer.destroy();
            redisServer.waitFor();
        }
    }

    private static ReserveResponse reserve(BudgetService budgets) {
        return budgets.reserve(ReserveRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
                .setCaller(Caller.newBuilder().setTenantId("t").setKeyId("k-outage")).setModel("gpt-4o-mini")
                .setPromptTokens(1000).setMaxCompletionTokens(1000).build())
                .await().atMost(Duration.ofSeconds(10));
    }

    private static Process startRedis(int port) throws Exception {
        Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return p;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IllegalStateException("private redis-server did not start on port " + port);
    }
}
