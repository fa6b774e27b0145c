package dev.llmops.cost.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.llmops.testsupport.RealServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged cost-service (target/quarkus-app/quarkus-run.jar) is killed with SIGKILL while thousands of usage
 * events (80 batch messages of 250) are in flight, then started again: the ledger ends up with every event exactly once,
 * and every event's settle (each carries it: {@code settle_budget}) counts exactly once on its key's budget. Runs in the
 * failsafe phase of {@code ./mvnw -pl cost-service -am verify}, against the real PostgreSQL and RabbitMQ (own
 * database and vhost) and Redis (own key prefix).
 */
class LedgerCrashIT {
    private static final int EVENTS = 20_000;
    /** Events per broker message (UsageEventBatch, as the router sends them; the router's are at most 512). */
    private static final int EVENTS_PER_MESSAGE = 250;
    /** Rows committed when the kill comes: the rest of the backlog is queued or in flight (prefetch), unacked. */
    private static final int KILL_AFTER_ROWS = 1000;
    /** Keys the events are spread over (each has its default total budget). */
    private static final int KEYS = 7;
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final String run = RealServers.runId("llmops_crash");
    private final HttpClient http = HttpClient.newHttpClient();
    private Process service;
    private int port;

    @BeforeEach
    void setUp() {
        RealServers.createDatabase(run);
        RealServers.createVhost(run);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (service != null && service.isAlive()) {
            service.destroyForcibly().waitFor();
        }
        RealServers.dropDatabase(run);
        RealServers.deleteVhost(run);
    }

    @Test
    void sigkillMidIngestLosesNothingAndDuplicatesNothing() throws Exception {
        assertTrue(Files.exists(JAR), "package the service first: " + JAR.toAbsolutePath());
        port = freePort();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(RealServers.RABBIT_HOST);
        f.setPort(RealServers.RABBIT_PORT);
        f.setVirtualHost(run);
        List<String> ids = new ArrayList<>(EVENTS);
        // the whole backlog is queued first: the consumer takes a prefetch's worth of messages at once, so the kill
        // finds batches being written, batches filling and messages delivered but unacked
        try (Connection conn = f.newConnection("crash-it"); Channel ch = conn.createChannel()) {
            ch.exchangeDeclare("llmops.usage", "topic", true);
            ch.exchangeDeclare("llmops.usage.dlx", "direct", true);
            ch.queueDeclare("llmops.cost.usage-events", true, false, false, Map.of(
                    "x-dead-letter-exchange", "llmops.usage.dlx", "x-dead-letter-routing-key", "usage.v1"));
            ch.queueBind("llmops.cost.usage-events", "llmops.usage", "usage.v1");
            ch.confirmSelect();
            UsageEventBatch.Builder batch = UsageEventBatch.newBuilder();
            for (int i = 0; i < EVENTS; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                batch.addEvents(UsageEvent.newBuilder().setRequestId(id).setOccurredUnixMs(System.currentTimeMillis())
                        .setCaller(Caller.newBuilder().setTenantId("tenant-crash").setKeyId("k" + (i % KEYS)))
                        .setRequestedModel("gpt-4o-mini").setServedModel("gpt-4o-mini").setProvider("openai")
                        .setUsage(TokenUsage.newBuilder().setPromptTokens(100 + i).setCompletionTokens(10))
                        .setCostNanosUsd(cost(i)).setOutcome(Outcome.OUTCOME_SERVED).setLatencyMs(5)
                        .setSettleBudget(true)); // the router made no Settle call: the consumer settles each
                if (batch.getEventsCount() == EVENTS_PER_MESSAGE || i == EVENTS - 1) {
                    String batchId = UUID.randomUUID().toString();
                    ch.basicPublish("llmops.usage", "usage.v1", true, new AMQP.BasicProperties.Builder()
                            .type("llmops.events.v1.UsageEventBatch").contentType("application/x-protobuf")
                            .deliveryMode(2).messageId(batchId).build(),
                            batch.setBatchId(batchId).build().toByteArray());
                    batch.clear();
                }
            }
            ch.waitForConfirmsOrDie(10_000);
        }
        markCountersCurrent();
        service = start("first");
        long killDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (ledgerCount() < KILL_AFTER_ROWS && System.nanoTime() < killDeadline && service.isAlive()) {
            Thread.sleep(5);
        }
        service.destroyForcibly(); // SIGKILL on Linux
        service.waitFor();
        long rowsAtKill = ledgerCount();
        assertTrue(rowsAtKill >= KILL_AFTER_ROWS, "the service was killed mid-ingest, after " + rowsAtKill + " rows");
        assertTrue(rowsAtKill < EVENTS, "the kill happened before everything was written: " + rowsAtKill);

        service = start("second");
        awaitReady();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (ledgerCount() < EVENTS && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(1000); // anything late (a duplicate) would show now
        assertEquals(EVENTS, ledgerCount(), "every event exactly once");
        assertEquals(EVENTS, query("select count(distinct request_id) from usage_ledger"));
        long expectedCost = 0;
        for (int i = 0; i < EVENTS; i++) {
            expectedCost += cost(i);
        }
        assertEquals(expectedCost, query("select (sum(cost_usd) * 1000000000)::bigint from usage_ledger"));
        try (var c = DriverManager.getConnection(RealServers.jdbcUrl(run), RealServers.PG_USER, RealServers.PG_PASSWORD);
             var s = c.createStatement(); ResultSet rs = s.executeQuery("select request_id from usage_ledger")) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (rs.next()) {
                seen.add(rs.getString(1));
            }
            assertEquals(new java.util.HashSet<>(ids), seen);
        }
        // and every event's settle counted exactly once on its key's budget, although the kill fell between
        // settles, commits and acks
        long[] expectedSpent = new long[KEYS];
        for (int i = 0; i < EVENTS; i++) {
            expectedSpent[i % KEYS] += cost(i);
        }
        long settleDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!java.util.Arrays.equals(expectedSpent, spentByKey()) && System.nanoTime() < settleDeadline) {
            Thread.sleep(200);
        }
        Thread.sleep(1000); // a settle counted twice would show now
        assertEquals(java.util.Arrays.toString(expectedSpent), java.util.Arrays.toString(spentByKey()));
        System.out.printf("crash IT: %d events queued, killed with %d rows written; %d rows after restart%n", EVENTS,
                rowsAtKill, ledgerCount());
    }

    private Process start(String name) throws IOException {
        Path log = Path.of("target", "crash-it-" + name + ".log");
        return new ProcessBuilder("java", "-Xmx256m", "-XX:+UseSerialGC",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.redis.hosts=" + RealServers.REDIS_URL,
                "-Dllmops.redis.key-prefix=" + run + ":",
                "-Dquarkus.datasource.jdbc.url=" + RealServers.jdbcUrl(run),
                "-Dquarkus.datasource.reactive.url=" + RealServers.reactiveUrl(run),
                "-Dquarkus.datasource.username=" + RealServers.PG_USER,
                "-Dquarkus.datasource.password=" + RealServers.PG_PASSWORD,
                "-Drabbitmq-host=" + RealServers.RABBIT_HOST, "-Drabbitmq-port=" + RealServers.RABBIT_PORT,
                "-Drabbitmq-virtual-host=" + run,
                "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (!service.isAlive()) {
                throw new IllegalStateException("cost-service exited: see target/crash-it-*.log");
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("cost-service not ready in 90 s");
    }

    /** Event i's cost as a router priced it: gpt-4o-mini at 0.15 / 0.60 USD per million tokens = 150 / 600 nanos. */
    private static long cost(int i) {
        return 150L * (100 + i) + 600L * 10;
    }

    /**
     * Records Redis' current run_id as the one the budget counters were last rebuilt for, as a cost-service that
     * ran before would have: without it the first start rebuilds the counters from the ledger while it ingests.
     */
    private void markCountersCurrent() throws Exception {
        String info = redisCli("INFO", "server");
        String runId = info.lines().filter(l -> l.startsWith("run_id:")).findFirst().orElseThrow().substring(7).trim();
        redisCli("SET", run + ":meta:run_id", runId);
    }

    private static String redisCli(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-u", RealServers.REDIS_URL));
        args.addAll(List.of(command));
        Process cli = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes()).trim();
        assertEquals(0, cli.waitFor(), out);
        return out;
    }

    /** Each key's budget counter (its default total budget): what the settles added. */
    private long[] spentByKey() throws Exception {
        long[] spent = new long[KEYS];
        for (int k = 0; k < KEYS; k++) {
            String out = redisCli("HGET", run + ":b:{tenant-crash}:key/k" + k + ":total", "spent");
            spent[k] = out.isEmpty() ? 0 : Long.parseLong(out);
        }
        return spent;
    }

    private long ledgerCount() {
        try {
            return query("select count(*) from usage_ledger");
        } catch (Exception e) {
            return 0; // the table appears with the first start's migration
        }
    }

    private long query(String sql) throws Exception {
        try (var c = DriverManager.getConnection(RealServers.jdbcUrl(run), RealServers.PG_USER, RealServers.PG_PASSWORD);
             var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
