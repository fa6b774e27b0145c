package dev.llmops.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.MutinyCostServiceGrpc;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.events.v1.BudgetAlert;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Budgets above the key (tenant, team, end user), periods, soft alerts and a concurrency race, on real Redis. */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class BudgetHierarchyTest {
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;
    @GrpcClient("cost")
    MutinyCostServiceGrpc.MutinyCostServiceStub async;
    @Inject
    RedisDataSource redis;
    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;
    @ConfigProperty(name = "rabbitmq-virtual-host")
    String vhost;

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static ReserveRequest reserveReq(Caller c, long prompt, long max) {
        return ReserveRequest.newBuilder().setRequestId(id()).setCaller(c).setModel("local-echo")
                .setPromptTokens(prompt).setMaxCompletionTokens(max).build();
    }

    private static SettleRequest settleReq(String rid, Caller c, long prompt, long completion) {
        return SettleRequest.newBuilder().setRequestId(rid).setCaller(c).setModel("local-echo")
                .setUsage(TokenUsage.newBuilder().setPromptTokens(prompt).setCompletionTokens(completion)).build();
    }

    private long field(String tenant, String counter, String field) {
        String v = redis.hash(String.class).hget(prefix + "b:{" + tenant + "}:" + counter, field);
        return v == null ? 0 : Long.parseLong(v);
    }

    @Test
    void everyBudgetInTheHierarchyIsReservedAtOnceAndTheTightestDecides() {
        // tenant-hier: tenant 0.01 USD monthly > team search 0.004 USD daily > key default 100 > user/* 0.002 total
        String key = "k-" + id();
        String month = Budget.Period.MONTHLY.tag(Instant.now());
        String day = Budget.Period.DAILY.tag(Instant.now());
        Caller alice = Caller.newBuilder().setTenantId("tenant-hier").setKeyId(key).setUserId("alice")
                .putTags("team", "search").build();
        // local-echo: 100 nanos a prompt token, 400 a completion token; 1000 + 2000 tokens = 900,000 worst case
        ReserveResponse r = cost.reserve(reserveReq(alice, 1000, 2000));
        assertEquals(900_000, r.getReservedNanosUsd());
        assertEquals(2_000_000 - 900_000, r.getRemainingNanosUsd(), "the user budget is the tightest");
        assertEquals(900_000, field("tenant-hier", "tenant/tenant-hier:" + month, "reserved"));
        assertEquals(900_000, field("tenant-hier", "team/tenant-hier/search:" + day, "reserved"));
        assertEquals(900_000, field("tenant-hier", "key/" + key + ":total", "reserved"));
        assertEquals(900_000, field("tenant-hier", "user/tenant-hier/alice:total", "reserved"));

        // a second 900k fits alice (1.8M of 2M); a third does not, and the message names her budget
        cost.reserve(reserveReq(alice, 1000, 2000));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> cost.reserve(reserveReq(alice, 1000, 2000)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("budget user/tenant-hier/alice (total) exhausted"),
                e.getStatus().getDescription());
        // nothing was reserved anywhere by the refused request
        assertEquals(1_800_000, field("tenant-hier", "tenant/tenant-hier:" + month, "reserved"));

        // bob, same team: the team's daily 4M now holds 1.8M, so bob gets 2 x 900k, then the team refuses
        Caller bob = alice.toBuilder().setUserId("bob").build();
        cost.reserve(reserveReq(bob, 1000, 2000));
        cost.reserve(reserveReq(bob, 1000, 2000));
        StatusRuntimeException team = assertThrows(StatusRuntimeException.class,
                () -> cost.reserve(reserveReq(bob, 1000, 2000)));
        assertTrue(team.getStatus().getDescription().startsWith("budget team/tenant-hier/search (" + day
                + ") exhausted"), team.getStatus().getDescription());
        assertTrue(team.getStatus().getDescription().contains("resets at"), "a periodic budget says when it resets");
        // a settle charges every level
        ReserveRequest carol = reserveReq(alice.toBuilder().setUserId("carol").clearTags().build(), 100, 100);
        cost.reserve(carol);
        assertEquals(50_000, cost.settle(settleReq(carol.getRequestId(), carol.getCaller(), 100, 100))
                .getCostNanosUsd());
        assertEquals(50_000, field("tenant-hier", "tenant/tenant-hier:" + month, "spent"));
        assertEquals(50_000, field("tenant-hier", "user/tenant-hier/carol:total", "spent"));
        assertEquals(0, field("tenant-hier", "team/tenant-hier/search:" + day, "spent"), "carol has no team");
    }

    @Test
    void aDailyBudgetStartsOverWithTheNextDay() {
        // tenant-daily: 0.001 USD a day. Yesterday's counter is full; today's is empty: the request passes.
        Instant now = Instant.now();
        String yesterday = Budget.Period.DAILY.tag(now.minus(Duration.ofDays(1)));
        redis.hash(String.class).hset(prefix + "b:{tenant-daily}:tenant/tenant-daily:" + yesterday,
                Map.of("spent", "1000000"));
        Caller c = Caller.newBuilder().setTenantId("tenant-daily").setKeyId("k-" + id()).build();
        assertEquals(900_000, cost.reserve(reserveReq(c, 1000, 2000)).getReservedNanosUsd());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, assertThrows(StatusRuntimeException.class,
                () -> cost.reserve(reserveReq(c, 1000, 2000))).getStatus().getCode());
        long ttl = redis.key().ttl(prefix + "b:{tenant-daily}:tenant/tenant-daily:" + Budget.Period.DAILY.tag(now));
        assertTrue(ttl > 2 * 24 * 3600 && ttl <= 3 * 24 * 3600, "a daily counter expires on its own: " + ttl);
        assertEquals(Instant.parse("2026-11-29T00:00:00Z"),
                Budget.Period.DAILY.resetsAt(Instant.parse("2026-11-28T23:59:59Z")));
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"),
                Budget.Period.MONTHLY.resetsAt(Instant.parse("2026-11-28T10:00:00Z")));
        assertEquals("m2026-11", Budget.Period.MONTHLY.tag(Instant.parse("2026-11-30T23:59:59Z")));
    }

    @Test
    void softBudgetAlertsAt50And80And100PercentThroughTheBroker() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setVirtualHost(vhost);
        try (Connection conn = f.newConnection("alerts-test"); Channel ch = conn.createChannel()) {
            ch.exchangeDeclare("llmops.budget", "topic", true);
            String q = ch.queueDeclare().getQueue();
            ch.queueBind(q, "llmops.budget", "budget.alert.v1");
            // tenant-soft: 0.001 USD total, soft: alerts only, never refuses
            Caller c = Caller.newBuilder().setTenantId("tenant-soft").setKeyId("k-" + id()).build();
            for (long prompt : new long[] {6000, 1000, 2000, 3000, 5000}) { // 0.6, 0.7, 0.9, 1.2, 1.7 of the limit
                ReserveRequest r = reserveReq(c, prompt, 0);
                cost.reserve(r);
                cost.settle(settleReq(r.getRequestId(), c, prompt, 0));
            }
            List<BudgetAlert> alerts = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (alerts.size() < 3 && System.nanoTime() < deadline) {
                GetResponse m = ch.basicGet(q, true);
                if (m == null) {
                    Thread.sleep(50);
                } else {
                    alerts.add(BudgetAlert.parseFrom(m.getBody()));
                }
            }
            Thread.sleep(300);
            assertEquals(null, ch.basicGet(q, true), "each threshold is announced once");
            assertEquals(List.of(50, 80, 100), alerts.stream().map(BudgetAlert::getThresholdPercent).toList());
            BudgetAlert full = alerts.get(2);
            assertEquals("tenant-soft", full.getTenantId());
            assertEquals("tenant/tenant-soft", full.getBudgetId());
            assertEquals("total", full.getPeriod());
            assertEquals(1_000_000, full.getLimitNanosUsd());
            assertEquals(1_200_000, full.getSpentNanosUsd());
            assertEquals(false, full.getHard());
            assertNotNull(full.getRequestId());
        }
    }

    /**
     * 500 requests at once against a 0.05 USD tenant budget, each reserving 500,000 nanos and settling a random
     * actual cost no larger: committed spend never exceeds the limit, every accepted request is accounted for
     * exactly, and no reservation is left behind.
     */
    @Test
    void fiveHundredConcurrentRequestsNeverOverspend() throws Exception {
        long limit = 50_000_000;
        Caller c = Caller.newBuilder().setTenantId("tenant-race").setKeyId("k-" + id()).build();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicLong settledSum = new AtomicLong();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ReserveRequest r = reserveReq(c, 1000, 1000); // worst case 100,000 + 400,000
            long completion = ThreadLocalRandom.current().nextLong(0, 1001);
            CompletableFuture<Void> done = async.reserve(r).subscribeAsCompletionStage().thenCompose(res -> {
                accepted.incrementAndGet();
                return async.settle(settleReq(r.getRequestId(), c, 1000, completion)).subscribeAsCompletionStage()
                        .thenAccept(s -> settledSum.addAndGet(s.getCostNanosUsd()));
            }).exceptionally(e -> {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof StatusRuntimeException sre
                        && sre.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    refused.incrementAndGet();
                    return null;
                }
                throw new IllegalStateException(cause);
            });
            all.add(done);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long spent = field("tenant-race", "tenant/tenant-race:total", "spent");
        assertEquals(500, accepted.get() + refused.get());
        assertTrue(accepted.get() >= 100, "at least the first 100 worst cases fit: " + accepted.get());
        assertTrue(refused.get() > 0, "the budget did refuse some: " + refused.get());
        assertEquals(settledSum.get(), spent, "every settled cost is counted exactly once");
        assertTrue(spent <= limit, "committed spend " + spent + " exceeds the limit " + limit);
        assertEquals(0, field("tenant-race", "tenant/tenant-race:total", "reserved"));
        System.out.printf("race: %d accepted, %d refused, spent %d of %d nanos%n", accepted.get(), refused.get(),
                spent, limit);
    }
}
