package dev.llmops.cost;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.GetReportRequest;
import llmops.cost.v1.GetReportResponse;
import llmops.cost.v1.RebuildBudgetsRequest;
import llmops.cost.v1.RecordFeedbackRequest;
import llmops.cost.v1.ReplayDeadLettersRequest;
import llmops.cost.v1.ReportDimension;
import llmops.cost.v1.ReportRow;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reports, feedback, unpriced flags, DLQ replay and the budget rebuild from the ledger, through the real broker. */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class ReportTest {
    private static final String EXCHANGE = "llmops.usage";
    private static final String ROUTING_KEY = "usage.v1";
    private static final String QUEUE = "llmops.cost.usage-events";
    private static final String DLX = "llmops.usage.dlx";
    private static final String DLQ = "llmops.cost.usage-events.dlq";

    @ConfigProperty(name = "rabbitmq-virtual-host")
    String vhost;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;
    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;
    @Inject
    RedisDataSource redis;

    Connection connection;
    Channel channel;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setVirtualHost(vhost);
        connection = f.newConnection("cost-report-test");
        channel = connection.createChannel();
        channel.exchangeDeclare(EXCHANGE, "topic", true);
        channel.exchangeDeclare(DLX, "direct", true);
        channel.queueDeclare(QUEUE, true, false, false, Map.of(
                "x-dead-letter-exchange", DLX, "x-dead-letter-routing-key", ROUTING_KEY));
        channel.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
        channel.queueDeclare(DLQ, true, false, false, null);
        channel.queueBind(DLQ, DLX, ROUTING_KEY);
        channel.confirmSelect();
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
    }

    private void publish(String exchange, UsageEvent e) throws Exception {
        channel.basicPublish(exchange, ROUTING_KEY, true, new AMQP.BasicProperties.Builder()
                .contentType("application/x-protobuf").deliveryMode(2).messageId(e.getRequestId()).build(),
                e.toByteArray());
        channel.waitForConfirmsOrDie(5000);
    }

    private static UsageEvent event(String tenant, String key, String team, String route, String served,
            long prompt, long completion, long cost, Outcome outcome, long latency, long at) {
        Caller.Builder c = Caller.newBuilder().setTenantId(tenant).setKeyId(key).setUserId("u1");
        if (!team.isEmpty()) {
            c.putTags("team", team);
        }
        return UsageEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setOccurredUnixMs(at).setCaller(c)
                .setRequestedModel(route).setRoute(route).setServedModel(served).setProvider("openai")
                .setUsage(TokenUsage.newBuilder().setPromptTokens(prompt).setCompletionTokens(completion))
                .setCostNanosUsd(cost).setOutcome(outcome).setLatencyMs(latency).build();
    }

    private long count(String sql, Object... params) {
        try (var c = DriverManager.getConnection(jdbcUrl, "llmops", "llmops"); var s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        fail("timed out waiting for " + what);
    }

    @Test
    void kpisByEveryDimensionWithFeedbackSavingsAndUnpricedFlags() throws Exception {
        String tenant = "tenant-kpi-" + UUID.randomUUID().toString().substring(0, 8);
        long day1 = 1_800_000_000_000L; // 2027-01-15
        long day2 = day1 + 86_400_000L;
        // gpt-4o-mini served 1000 in / 100 out: list cost 150,000 + 60,000 = 210,000; at gpt-4o (the baseline)
        // it would have cost 2,500,000 + 1,000,000 = 3,500,000
        UsageEvent cheap = event(tenant, "k1", "search", "auto", "gpt-4o-mini", 1000, 100, 210_000,
                Outcome.OUTCOME_SERVED, 100, day1);
        UsageEvent premium = event(tenant, "k1", "search", "premium", "gpt-4o", 1000, 100, 3_500_000,
                Outcome.OUTCOME_SERVED, 300, day1);
        // a cache hit of the gpt-4o route: it avoided 1000 in / 100 out at gpt-4o = 3,500,000
        UsageEvent hit = event(tenant, "k2", "", "gpt-4o", "", 0, 0, 0, Outcome.OUTCOME_CACHE_HIT, 2, day2)
                .toBuilder().setAvoidedUsage(TokenUsage.newBuilder().setPromptTokens(1000).setCompletionTokens(100))
                .build();
        UsageEvent blocked = event(tenant, "k2", "", "gpt-4o", "", 0, 0, 0, Outcome.OUTCOME_BLOCKED, 1, day2);
        UsageEvent unpriced = event(tenant, "k2", "", "mystery", "mystery-model-9", 10, 10, 0,
                Outcome.OUTCOME_SERVED, 50, day2);
        for (UsageEvent e : List.of(cheap, premium, hit, blocked, unpriced)) {
            publish(EXCHANGE, e);
        }
        await("5 rows", () -> count("select count(*) from usage_ledger where tenant_id = ?", tenant) == 5);
        cost.recordFeedback(RecordFeedbackRequest.newBuilder().setRequestId(cheap.getRequestId()).setTenantId(tenant)
                .setThumbsUp(true).build());
        cost.recordFeedback(RecordFeedbackRequest.newBuilder().setRequestId(premium.getRequestId())
                .setTenantId(tenant).setThumbsUp(true).build());
        // the last vote counts: premium ends up a thumbs down
        given().contentType("application/json").body("{\"request_id\":\"" + premium.getRequestId()
                + "\",\"tenant_id\":\"" + tenant + "\",\"thumbs_up\":false,\"comment\":\"too slow\"}")
                .post("/v1/feedback").then().statusCode(204);
        given().contentType("application/json").body("{\"request_id\":\"x\"}").post("/v1/feedback").then()
                .statusCode(400);

        GetReportResponse byTenant = report(tenant, ReportDimension.REPORT_DIMENSION_TENANT);
        assertEquals("gpt-4o", byTenant.getBaselineModel());
        ReportRow t = byTenant.getRows(0);
        assertEquals(tenant, t.getGroup());
        assertEquals(5, t.getRequests());
        assertEquals(3_710_000, t.getCostNanosUsd());
        assertEquals(742_000, t.getCostPerQueryNanosUsd());
        assertEquals(1, t.getCacheHits());
        assertEquals(3_500_000, t.getCacheSavingsNanosUsd());
        // baseline for served rows: cheap 3.5M - 0.21M = 3.29M saved; premium saves 0; the unpriced row is left
        // out (its cost is unknown, so a saving would be made up)
        assertEquals(3_290_000, t.getRoutingSavingsNanosUsd());
        assertEquals(1, t.getBlocked());
        assertEquals(200_000, t.getBlockRatePpm());
        assertEquals(1, t.getFeedbackUp());
        assertEquals(1, t.getFeedbackDown());
        assertEquals(500_000, t.getSatisfactionPpm());
        assertEquals(1, t.getUnpriced());
        // latencies 1, 2, 50, 100, 300: p50 = 50 (discrete), p99 = 300
        assertEquals(50, t.getLatencyP50Ms());
        assertEquals(300, t.getLatencyP99Ms());

        assertEquals(List.of("", "search"), groups(report(tenant, ReportDimension.REPORT_DIMENSION_TEAM)));
        assertEquals(List.of("k1", "k2"), groups(report(tenant, ReportDimension.REPORT_DIMENSION_KEY)));
        assertEquals(List.of("gpt-4o", "gpt-4o-mini", "mystery-model-9"),
                groups(report(tenant, ReportDimension.REPORT_DIMENSION_MODEL)));
        assertEquals(List.of("auto", "gpt-4o", "mystery", "premium"),
                groups(report(tenant, ReportDimension.REPORT_DIMENSION_ROUTE)));
        GetReportResponse byDay = report(tenant, ReportDimension.REPORT_DIMENSION_DAY);
        assertEquals(List.of("2027-01-15", "2027-01-16"), groups(byDay));
        assertEquals(2, byDay.getRows(0).getRequests());

        String csv = given().queryParam("tenant_id", tenant).queryParam("format", "csv").get("/v1/reports/key")
                .then().statusCode(200).contentType("text/csv").extract().asString();
        String[] lines = csv.split("\n");
        assertEquals(3, lines.length, csv);
        assertTrue(lines[0].startsWith("group,requests,prompt_tokens"), lines[0]);
        assertTrue(lines[1].startsWith("k1,2,2000,200,0.003710000,0.001855000,"), lines[1]);
        given().queryParam("tenant_id", tenant).get("/v1/reports/model").then().statusCode(200)
                .body("group_by", equalTo("model")).body("rows[2].model", equalTo("mystery-model-9"))
                .body("rows[2].unpriced", equalTo(1)).body("rows[0].cost_usd", equalTo("0.003500000"));
        given().get("/v1/reports/planet").then().statusCode(400);
        given().get("/v1/reports/key").then().statusCode(400).body("error.message",
                equalTo("tenant_id is required"));
        assertEquals(Status.Code.INVALID_ARGUMENT, org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class, () -> cost.getReport(GetReportRequest.newBuilder().setTenantId(tenant)
                        .build())).getStatus().getCode());
    }

    @Test
    void cacheSavingsArePricedAtTheModelThatMadeTheCachedAnswerNotTheRouteName() throws Exception {
        String tenant = "tenant-avoided-" + UUID.randomUUID().toString().substring(0, 8);
        TokenUsage avoided = TokenUsage.newBuilder().setPromptTokens(1000).setCompletionTokens(100).build();
        // "support-bot" is a route name with no price; the cached answer came from gpt-4o (1000 in / 100 out = 3.5M)
        UsageEvent named = event(tenant, "k1", "", "support-bot", "", 0, 0, 0, Outcome.OUTCOME_CACHE_HIT, 2,
                1_800_000_000_000L).toBuilder().setAvoidedUsage(avoided).setAvoidedModel("gpt-4o").build();
        UsageEvent unnamed = event(tenant, "k1", "", "support-bot", "", 0, 0, 0, Outcome.OUTCOME_CACHE_HIT, 2,
                1_800_000_000_000L).toBuilder().setAvoidedUsage(avoided).build();
        publish(EXCHANGE, named);
        publish(EXCHANGE, unnamed);
        await("2 rows", () -> count("select count(*) from usage_ledger where tenant_id = ?", tenant) == 2);
        ReportRow t = report(tenant, ReportDimension.REPORT_DIMENSION_TENANT).getRows(0);
        assertEquals(2, t.getCacheHits());
        assertEquals(3_500_000, t.getCacheSavingsNanosUsd(), "only the hit that names its model can be priced");
    }

    private GetReportResponse report(String tenant, ReportDimension d) {
        return cost.getReport(GetReportRequest.newBuilder().setTenantId(tenant).setGroupBy(d).build());
    }

    private static List<String> groups(GetReportResponse r) {
        return r.getRowsList().stream().map(ReportRow::getGroup).toList();
    }

    @Test
    void deadLettersCanBeReplayedIntoTheLedger() throws Exception {
        String tenant = "tenant-dlq-" + UUID.randomUUID().toString().substring(0, 8);
        UsageEvent parked = event(tenant, "k1", "", "gpt-4o", "gpt-4o", 10, 10, 125_000, Outcome.OUTCOME_SERVED, 5,
                1_800_000_000_000L);
        // as if it had been dead-lettered earlier (e.g. during a bug): straight into the DLQ
        publish(DLX, parked);
        await("parked in the DLQ", () -> {
            try {
                return channel.messageCount(DLQ) == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(1, cost.replayDeadLetters(ReplayDeadLettersRequest.getDefaultInstance()).getReplayed());
        await("replayed row", () -> count("select count(*) from usage_ledger where request_id = ?",
                parked.getRequestId()) == 1);
        assertEquals(0, channel.messageCount(DLQ));
        assertEquals(0, cost.replayDeadLetters(ReplayDeadLettersRequest.getDefaultInstance()).getReplayed());
    }

    @Test
    void budgetCountersAreRebuiltFromTheLedgerWhenRedisLostThem() throws Exception {
        String tenant = "tenant-rebuild-" + UUID.randomUUID().toString().substring(0, 8);
        long now = System.currentTimeMillis();
        for (long c : new long[] {1_000, 20_000, 300_000}) {
            publish(EXCHANGE, event(tenant, "k-rb", "", "gpt-4o", "gpt-4o", 1, 1, c, Outcome.OUTCOME_SERVED, 1, now));
        }
        await("3 rows", () -> count("select count(*) from usage_ledger where tenant_id = ?", tenant) == 3);
        String counter = prefix + "b:{" + tenant + "}:key/k-rb:total";
        redis.key().del(counter);
        assertTrue(cost.rebuildBudgets(RebuildBudgetsRequest.getDefaultInstance()).getCounters() >= 1);
        assertEquals("321000", redis.hash(String.class).hget(counter, "spent"));

        // Redis "restarted": counters gone and the run_id differs from the one recorded; the periodic check
        // (1 s in tests) notices and rebuilds by itself
        redis.key().del(counter);
        redis.value(String.class).set(prefix + "meta:run_id", "a-previous-redis-run");
        await("automatic rebuild", () -> "321000".equals(redis.hash(String.class).hget(counter, "spent")));
        await("run_id recorded", () -> !"a-previous-redis-run".equals(
                redis.value(String.class).get(prefix + "meta:run_id")));
    }
}
