package dev.llmops.cost;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.llmops.cost.service.PriceCodec;
import dev.llmops.cost.service.Pricing;
import dev.llmops.testsupport.IsolatedServersResource;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.GetBudgetRequest;
import llmops.cost.v1.GetBudgetResponse;
import llmops.cost.v1.GetUsageRequest;
import llmops.cost.v1.GetUsageResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.UsageTotal;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage events through the real broker (the test run's own vhost) into the real ledger (its own database): batch
 * messages as the router sends them, and single-event messages as earlier producers did.
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = {
        @ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "rabbitmq", value = "true")})
class LedgerTest {
    private static final String EXCHANGE = "llmops.usage";
    private static final String ROUTING_KEY = "usage.v1";
    private static final String QUEUE = "llmops.cost.usage-events";
    private static final String DLQ = "llmops.cost.usage-events.dlq";
    private static final String BATCH_TYPE = "llmops.events.v1.UsageEventBatch";
    private static final String EVENT_TYPE = "llmops.events.v1.UsageEvent";

    @ConfigProperty(name = "rabbitmq-virtual-host")
    String vhost;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;
    @GrpcClient("cost")
    CostServiceGrpc.CostServiceBlockingStub cost;

    Connection connection;
    Channel channel;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(5672);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setVirtualHost(vhost);
        connection = f.newConnection("cost-service-test");
        channel = connection.createChannel();
        // Declare the topology exactly as a producer does (proto/README.md): if the consumer declared the queue
        // with other arguments, this fails with PRECONDITION_FAILED.
        channel.exchangeDeclare(EXCHANGE, "topic", true);
        channel.exchangeDeclare("llmops.usage.dlx", "direct", true);
        channel.queueDeclare(QUEUE, true, false, false, Map.of(
                "x-dead-letter-exchange", "llmops.usage.dlx", "x-dead-letter-routing-key", ROUTING_KEY));
        channel.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
        channel.queueDeclare(DLQ, true, false, false, null);
        channel.queueBind(DLQ, "llmops.usage.dlx", ROUTING_KEY);
        channel.confirmSelect();
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
    }

    /** A single-event message as producers sent them before batches (no type property). */
    private void publish(String requestId, byte[] body) throws Exception {
        publish(null, requestId, body);
    }

    private void publish(String type, String messageId, byte[] body) throws Exception {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().type(type)
                .contentType("application/x-protobuf").deliveryMode(2).messageId(messageId).build();
        channel.basicPublish(EXCHANGE, ROUTING_KEY, true, props, body);
        channel.waitForConfirmsOrDie(5000);
    }

    /** One message holding the events, as the router sends them. @return the batch id */
    private String publishBatch(UsageEvent... events) throws Exception {
        UsageEventBatch batch = UsageEventBatch.newBuilder().setBatchId(UUID.randomUUID().toString())
                .addAllEvents(List.of(events)).build();
        publish(BATCH_TYPE, batch.getBatchId(), batch.toByteArray());
        return batch.getBatchId();
    }

    private static UsageEvent event(String tenant, String key, String requested, String served, long prompt,
            long completion, long costNanos, Outcome outcome, long occurredMs) {
        return UsageEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setOccurredUnixMs(occurredMs)
                .setCaller(Caller.newBuilder().setTenantId(tenant).setKeyId(key).setUserId("u1")
                        .putTags("team", "search"))
                .setRequestedModel(requested).setServedModel(served).setProvider("openai")
                .setUsage(TokenUsage.newBuilder().setPromptTokens(prompt).setCompletionTokens(completion)
                        .setCachedPromptTokens(prompt / 2).setReasoningTokens(completion / 4))
                .setCostNanosUsd(costNanos).setOutcome(outcome).setLatencyMs(42).setStream(true).build();
    }

    private List<List<String>> rows(String sql, Object... params) throws Exception {
        try (var c = DriverManager.getConnection(jdbcUrl, "llmops", "llmops"); var s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<List<String>> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
            return out;
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

    private long count(String requestId) {
        try {
            return Long.parseLong(rows("select count(*) from usage_ledger where request_id = ?", requestId)
                    .get(0).get(0));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double metric(String result) {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : body.split("\n")) {
            if (line.startsWith("llmops_cost_ledger_events_total") && line.contains("result=\"" + result + "\"")) {
                // the value follows the labels; an exemplar ("# {...} v ts") may follow the value
                return Double.parseDouble(line.substring(line.indexOf('}') + 1).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    @Test
    void eventBecomesOneRowWithExactNumericCostAndRedeliveryChangesNothing() throws Exception {
        UsageEvent e = event("tenant-row", "k1", "gpt-4o-mini", "gpt-4o-mini", 1000, 200, 1_234_567,
                Outcome.OUTCOME_SERVED, 1_700_000_000_123L);
        double duplicatesBefore = metric("duplicate");
        publishBatch(e);
        await("ledger row", () -> count(e.getRequestId()) == 1);
        List<String> row = rows("select cost_usd::text, tenant_id, key_id, user_id, served_model, provider,"
                + " prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens, outcome, stream,"
                + " latency_ms, tags::text, (extract(epoch from occurred_at) * 1000)::bigint"
                + " from usage_ledger where request_id = ?", e.getRequestId()).get(0);
        assertEquals(List.of("0.001234567", "tenant-row", "k1", "u1", "gpt-4o-mini", "openai", "1000", "200", "500",
                "50", "SERVED", "t", "42", "{\"team\": \"search\"}", "1700000000123"), row);

        publishBatch(e); // resent in another batch, as after an unconfirmed publish
        await("duplicate counted", () -> metric("duplicate") >= duplicatesBefore + 1);
        assertEquals(1, count(e.getRequestId()));
        assertEquals("0.001234567", rows("select sum(cost_usd)::text from usage_ledger where request_id = ?",
                e.getRequestId()).get(0).get(0));
    }

    private GetBudgetResponse keyBudget(String tenant, String key) {
        return cost.getBudget(GetBudgetRequest.newBuilder().setBudgetId("key/" + key).setTenantId(tenant).build());
    }

    /** A router's Reserve for the request of this event: gpt-4o-mini, 1,000 prompt tokens, up to 200 more. */
    private ReserveResponse reserveFor(UsageEvent e) {
        return cost.reserve(ReserveRequest.newBuilder().setRequestId(e.getRequestId()).setCaller(e.getCaller())
                .setModel("gpt-4o-mini").setPromptTokens(1000).setMaxCompletionTokens(200)
                .setOccurredUnixMs(e.getOccurredUnixMs()).build());
    }

    @Test
    void anEventCarryingItsSettleSettlesTheReservationOnceAndAnEventWithoutLeavesItHeld() throws Exception {
        String tenant = "tenant-settle";
        String key = "k-settle-" + UUID.randomUUID();
        UsageEvent carried = event(tenant, key, "gpt-4o-mini", "gpt-4o-mini", 1000, 200, 0, Outcome.OUTCOME_SERVED,
                System.currentTimeMillis()).toBuilder().setSettleBudget(true).build();
        ReserveResponse held = reserveFor(carried);
        assertEquals(held.getReservedNanosUsd(), keyBudget(tenant, key).getReservedNanosUsd());
        // what a router shows: the usage priced at the version the Reserve answered, with the same code
        long shown = Pricing.costNanos(PriceCodec.fromProto(held.getPrice()), carried.getUsage());
        assertTrue(shown > 0 && shown < held.getReservedNanosUsd(), shown + " of " + held.getReservedNanosUsd());

        publishBatch(carried);
        await("the event settled", () -> keyBudget(tenant, key).getReservedNanosUsd() == 0);
        assertEquals(shown, keyBudget(tenant, key).getSpentNanosUsd(), "spent = the cost the router showed");
        double duplicatesBefore = metric("duplicate");
        publishBatch(carried); // delivered again: counted once
        await("the repeat seen", () -> metric("duplicate") >= duplicatesBefore + 1);
        Thread.sleep(300);
        assertEquals(shown, keyBudget(tenant, key).getSpentNanosUsd());

        UsageEvent plain = event(tenant, key, "gpt-4o-mini", "gpt-4o-mini", 1000, 200, 0, Outcome.OUTCOME_SERVED,
                System.currentTimeMillis());
        long plainHeld = reserveFor(plain).getReservedNanosUsd();
        publishBatch(plain);
        await("the plain event written", () -> count(plain.getRequestId()) == 1);
        assertEquals(plainHeld, keyBudget(tenant, key).getReservedNanosUsd(), "its router settles it by a call");
        assertEquals(shown, keyBudget(tenant, key).getSpentNanosUsd());
    }

    @Test
    void anEventCarryingItsReleaseFreesTheReservationAndSpendsNothing() throws Exception {
        String tenant = "tenant-release";
        String key = "k-release-" + UUID.randomUUID();
        // a cache hit: no provider answered, the router made no Release call
        UsageEvent hit = event(tenant, key, "gpt-4o-mini", "", 0, 0, 0, Outcome.OUTCOME_CACHE_HIT,
                System.currentTimeMillis()).toBuilder().setReleaseBudget(true).build();
        long held = reserveFor(hit).getReservedNanosUsd();
        assertTrue(held > 0);
        assertEquals(held, keyBudget(tenant, key).getReservedNanosUsd());

        publishBatch(hit);
        await("the event released", () -> keyBudget(tenant, key).getReservedNanosUsd() == 0);
        assertEquals(0, keyBudget(tenant, key).getSpentNanosUsd(), "nothing bought, nothing spent");
        await("the hit written", () -> count(hit.getRequestId()) == 1);

        // settle_budget wins over release_budget: the settle ends the reservation and counts the answer
        UsageEvent both = event(tenant, key, "gpt-4o-mini", "gpt-4o-mini", 1000, 200, 0, Outcome.OUTCOME_SERVED,
                System.currentTimeMillis()).toBuilder().setSettleBudget(true).setReleaseBudget(true).build();
        ReserveResponse bothHeld = reserveFor(both);
        long charged = Pricing.costNanos(PriceCodec.fromProto(bothHeld.getPrice()), both.getUsage());
        publishBatch(both);
        await("the settle", () -> keyBudget(tenant, key).getReservedNanosUsd() == 0);
        assertEquals(charged, keyBudget(tenant, key).getSpentNanosUsd());
    }

    @Test
    void garbageAndInvalidEventsLandInTheDeadLetterQueue() throws Exception {
        double rejectedBefore = metric("rejected");
        byte[] garbage = "this is not protobuf \u00ff\u00fe".getBytes(StandardCharsets.UTF_8);
        publish("garbage-1", garbage);
        GetResponse dead = awaitDead();
        assertArrayEquals(garbage, dead.getBody());

        // well-formed protobuf but no request id: can never be recorded
        UsageEvent invalid = event("tenant-dlq", "k1", "gpt-4o", "gpt-4o", 1, 1, 1, Outcome.OUTCOME_SERVED, 1)
                .toBuilder().setRequestId("").build();
        publish("invalid-1", invalid.toByteArray());
        assertArrayEquals(invalid.toByteArray(), awaitDead().getBody());

        // a batch whose body cannot be read, and a message of a type nobody knows: dead-lettered whole, as they came
        publish(BATCH_TYPE, "garbage-batch", garbage);
        GetResponse deadBatch = awaitDead();
        assertArrayEquals(garbage, deadBatch.getBody());
        assertEquals(BATCH_TYPE, deadBatch.getProps().getType());
        publish("llmops.events.v2.SomethingElse", "unknown-type", invalid.toBuilder().setRequestId("x").build()
                .toByteArray());
        assertEquals("unknown-type", awaitDead().getProps().getMessageId());
        assertEquals(rejectedBefore + 4, metric("rejected"));
        assertEquals("0", rows("select count(*) from usage_ledger where tenant_id = 'tenant-dlq'").get(0).get(0));
    }

    /**
     * One invalid event (no caller) in a batch of five: the four valid ones are written exactly once, the invalid
     * one waits in the DLQ alone, as a single-event message the replay understands.
     */
    @Test
    void aBatchWithOneInvalidEventWritesTheOthersAndDeadLettersItAlone() throws Exception {
        String tenant = "tenant-mixed-" + UUID.randomUUID().toString().substring(0, 8);
        List<UsageEvent> valid = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            valid.add(event(tenant, "k" + i, "gpt-4o-mini", "gpt-4o-mini", 10, 2, 100 + i, Outcome.OUTCOME_SERVED,
                    1_700_000_000_000L));
        }
        UsageEvent invalid = event(tenant, "k9", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 1, Outcome.OUTCOME_SERVED,
                1_700_000_000_000L).toBuilder().clearCaller().build();
        double rejectedBefore = metric("rejected");
        double insertedBefore = metric("inserted");
        String batchId = publishBatch(valid.get(0), valid.get(1), invalid, valid.get(2), valid.get(3));

        GetResponse dead = awaitDead();
        assertEquals(invalid, UsageEvent.parseFrom(dead.getBody()));
        assertEquals(EVENT_TYPE, dead.getProps().getType());
        assertEquals(invalid.getRequestId(), dead.getProps().getMessageId());
        assertEquals(2, dead.getProps().getDeliveryMode());
        assertEquals(batchId, dead.getProps().getHeaders().get("x-llmops-batch-id").toString());
        assertTrue(dead.getProps().getHeaders().get("x-llmops-invalid").toString().contains("caller"),
                String.valueOf(dead.getProps().getHeaders()));
        for (UsageEvent e : valid) {
            await("row " + e.getRequestId(), () -> count(e.getRequestId()) == 1);
        }
        Thread.sleep(1500); // a redelivery of the batch would show now
        assertEquals(List.of(List.of("4", "406")),
                rows("select count(*), sum(cost_usd * 1000000000)::bigint from usage_ledger where tenant_id = ?",
                        tenant));
        assertEquals(0, count(invalid.getRequestId()));
        assertNull(channel.basicGet(DLQ, true), "only the invalid event is dead-lettered");
        assertEquals(0, channel.messageCount(QUEUE), "the batch was acked");
        assertEquals(rejectedBefore + 1, metric("rejected"));
        assertEquals(insertedBefore + 4, metric("inserted"));
    }

    /** The earlier format still works: a single UsageEvent body, with no type or with its own type. */
    @Test
    void singleEventMessagesAreStillIngested() throws Exception {
        UsageEvent untyped = event("tenant-legacy", "k1", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 5,
                Outcome.OUTCOME_SERVED, 1_700_000_000_000L);
        UsageEvent typed = event("tenant-legacy", "k2", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 6,
                Outcome.OUTCOME_SERVED, 1_700_000_000_000L);
        publish(untyped.getRequestId(), untyped.toByteArray());
        publish(EVENT_TYPE, typed.getRequestId(), typed.toByteArray());
        await("both rows", () -> count(untyped.getRequestId()) == 1 && count(typed.getRequestId()) == 1);
        assertEquals("0.000000006", rows("select cost_usd::text from usage_ledger where request_id = ?",
                typed.getRequestId()).get(0).get(0));
    }

    /** Batches adding up to more rows than one INSERT takes (500) are all written, each event once. */
    @Test
    void manyBatchesAreWrittenWhole() throws Exception {
        String tenant = "tenant-many-" + UUID.randomUUID().toString().substring(0, 8);
        List<UsageEvent> all = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            UsageEvent[] batch = new UsageEvent[300];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = event(tenant, "k" + (i % 3), "gpt-4o-mini", "gpt-4o-mini", 10, 2, 1,
                        Outcome.OUTCOME_SERVED, 1_700_000_000_000L);
                all.add(batch[i]);
            }
            publishBatch(batch);
        }
        await("900 rows", () -> tenantRows(tenant) == 900);
        Thread.sleep(500);
        assertEquals(900, tenantRows(tenant));
        assertEquals(List.of(List.of("900")), rows(
                "select count(distinct request_id) from usage_ledger where tenant_id = ?", tenant));
    }

    /**
     * When the invalid event of a batch cannot be dead-lettered (here: the DLQ unbound, so the broker returns it),
     * the batch is not acked: it is requeued whole and written, with its invalid event dead-lettered, once the DLQ
     * takes it again. Nothing is lost.
     */
    @Test
    void aBatchWhoseInvalidEventCannotBeDeadLetteredIsRequeued() throws Exception {
        String tenant = "tenant-nodlq-" + UUID.randomUUID().toString().substring(0, 8);
        UsageEvent a = event(tenant, "k1", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 1, Outcome.OUTCOME_SERVED, 1);
        UsageEvent b = event(tenant, "k2", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 1, Outcome.OUTCOME_SERVED, 1);
        UsageEvent invalid = a.toBuilder().setRequestId(UUID.randomUUID().toString()).setLatencyMs(-1).build();
        channel.queueUnbind(DLQ, "llmops.usage.dlx", ROUTING_KEY);
        try {
            publishBatch(a, invalid, b);
            Thread.sleep(2500); // tried, returned by the broker, requeued after 1 s, tried again at least once
            assertEquals(0, tenantRows(tenant), "nothing of the batch is written while its invalid event has no home");
            assertNull(channel.basicGet(DLQ, true));
        } finally {
            channel.queueBind(DLQ, "llmops.usage.dlx", ROUTING_KEY);
        }
        GetResponse dead = awaitDead();
        assertEquals(invalid, UsageEvent.parseFrom(dead.getBody()));
        await("the valid rows", () -> count(a.getRequestId()) == 1 && count(b.getRequestId()) == 1);
        Thread.sleep(1500);
        assertEquals(2, tenantRows(tenant));
        assertNull(channel.basicGet(DLQ, true), "dead-lettered once");
    }

    private long tenantRows(String tenant) {
        try {
            return Long.parseLong(rows("select count(*) from usage_ledger where tenant_id = ?", tenant).get(0).get(0));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A batch the database refuses is nacked with requeue (never dead-lettered) and redelivered until the database
     * takes it; then it is in the ledger once. The refusal is a real one: a CHECK constraint on this run's table.
     */
    @Test
    void aDatabaseFailureRequeuesTheBatchUntilItCanBeWritten() throws Exception {
        execute("ALTER TABLE usage_ledger ADD CONSTRAINT test_refuse CHECK (tenant_id <> 'tenant-dbfail')");
        try {
            UsageEvent a = event("tenant-dbfail", "k1", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 77,
                    Outcome.OUTCOME_SERVED, 1_700_000_000_000L);
            UsageEvent b = event("tenant-dbfail", "k2", "gpt-4o-mini", "gpt-4o-mini", 10, 2, 88,
                    Outcome.OUTCOME_SERVED, 1_700_000_000_000L);
            publishBatch(a, b);
            Thread.sleep(2500); // the batch failed, waited 1 s, was requeued and failed again at least once
            assertEquals(0, count(a.getRequestId()) + count(b.getRequestId()));
            assertNull(channel.basicGet(DLQ, true), "a database failure never dead-letters");
            execute("ALTER TABLE usage_ledger DROP CONSTRAINT test_refuse");
            await("both rows after the database took them", () -> count(a.getRequestId()) == 1
                    && count(b.getRequestId()) == 1);
            Thread.sleep(500);
            assertEquals(1, count(a.getRequestId()));
            assertEquals(1, count(b.getRequestId()));
            assertNull(channel.basicGet(DLQ, true));
        } finally {
            execute("ALTER TABLE usage_ledger DROP CONSTRAINT IF EXISTS test_refuse");
        }
    }

    private void execute(String sql) throws Exception {
        try (var c = DriverManager.getConnection(jdbcUrl, "llmops", "llmops"); var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private GetResponse awaitDead() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            GetResponse r = channel.basicGet(DLQ, true);
            if (r != null) {
                return r;
            }
            Thread.sleep(100);
        }
        fail("nothing arrived in " + DLQ);
        return null;
    }

    @Test
    void usageTotalsOverGrpcAndHttp() throws Exception {
        String tenant = "tenant-report-" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = 1_800_000_000_000L;
        List<UsageEvent> events = List.of(
                event(tenant, "k1", "gpt-4o-mini", "gpt-4o-mini", 100, 10, 1_000, Outcome.OUTCOME_SERVED, t0),
                event(tenant, "k1", "gpt-4o-mini", "", 50, 5, 0, Outcome.OUTCOME_CACHE_HIT, t0 + 1_000),
                event(tenant, "k1", "auto", "gpt-4o", 300, 30, 123_456_789, Outcome.OUTCOME_SERVED, t0 + 2_000),
                event(tenant, "k2", "gpt-4o", "gpt-4o", 7, 3, 5, Outcome.OUTCOME_SERVED, t0 + 3_000),
                event("other-tenant", "k1", "gpt-4o", "gpt-4o", 7, 3, 999, Outcome.OUTCOME_SERVED, t0));
        publishBatch(events.subList(0, 2).toArray(UsageEvent[]::new));
        publishBatch(events.subList(2, events.size()).toArray(UsageEvent[]::new));
        for (UsageEvent e : events) {
            await("row " + e.getRequestId(), () -> count(e.getRequestId()) == 1);
        }

        GetUsageResponse all = cost.getUsage(GetUsageRequest.newBuilder().setTenantId(tenant).build());
        assertEquals(List.of(
                total(tenant, "k1", "gpt-4o", 1, 300, 30, 123_456_789, 0),
                total(tenant, "k1", "gpt-4o-mini", 2, 150, 15, 1_000, 1),
                total(tenant, "k2", "gpt-4o", 1, 7, 3, 5, 0)), all.getTotalsList());
        assertEquals(123_457_794, all.getTotalCostNanosUsd());
        assertEquals(4, all.getTotalRequests());

        GetUsageResponse filtered = cost.getUsage(GetUsageRequest.newBuilder().setTenantId(tenant).setKeyId("k1")
                .setModel("gpt-4o-mini").build());
        assertEquals(List.of(total(tenant, "k1", "gpt-4o-mini", 2, 150, 15, 1_000, 1)), filtered.getTotalsList());

        // [start, end): the event at t0 + 2000 is in, t0 + 3000 is out
        GetUsageResponse window = cost.getUsage(GetUsageRequest.newBuilder().setTenantId(tenant)
                .setStartUnixMs(t0 + 1_000).setEndUnixMs(t0 + 3_000).build());
        assertEquals(List.of(total(tenant, "k1", "gpt-4o", 1, 300, 30, 123_456_789, 0),
                total(tenant, "k1", "gpt-4o-mini", 1, 50, 5, 0, 1)), window.getTotalsList());

        given().queryParam("tenant_id", tenant).queryParam("key_id", "k1").get("/v1/usage").then()
                .statusCode(200)
                .body("tenant_id", equalTo(tenant))
                .body("totals", hasSize(2))
                .body("totals[0].key_id", equalTo("k1"))
                .body("totals[0].model", equalTo("gpt-4o"))
                .body("totals[0].requests", equalTo(1))
                .body("totals[0].prompt_tokens", equalTo(300))
                .body("totals[0].completion_tokens", equalTo(30))
                .body("totals[0].cost_nanos_usd", equalTo(123_456_789))
                .body("totals[0].cost_usd", equalTo("0.123456789"))
                .body("totals[1].model", equalTo("gpt-4o-mini"))
                .body("totals[1].cache_hits", equalTo(1))
                .body("totals[1].cost_usd", equalTo("0.000001000"))
                .body("total_cost_nanos_usd", equalTo(123_457_789))
                .body("total_cost_usd", equalTo("0.123457789"));
        given().get("/v1/usage").then().statusCode(400).body("error.message", equalTo("tenant_id is required"));
        given().queryParam("tenant_id", tenant).queryParam("start_unix_ms", "x").get("/v1/usage").then()
                .statusCode(400);
    }

    private static UsageTotal total(String tenant, String key, String model, long requests, long prompt,
            long completion, long costNanos, long hits) {
        return UsageTotal.newBuilder().setTenantId(tenant).setKeyId(key).setModel(model).setRequests(requests)
                .setPromptTokens(prompt).setCompletionTokens(completion).setCostNanosUsd(costNanos)
                .setCacheHits(hits).build();
    }
}
