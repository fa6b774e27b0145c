package dev.llmops.cost.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.llmops.testsupport.RealServers;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;

/**
 * Benchmarks of the two hot paths against the packaged service (target/quarkus-app/quarkus-run.jar, started here
 * as a process with its own database, vhost and Redis prefix):
 * <ol>
 * <li>Reserve latency, one caller, sequential, over gRPC on the shared port, with the gRPC health Check on the same
 * channel as the baseline (transport + framework floor), plus Settle;</li>
 * <li>ledger ingest: N usage events published to RabbitMQ as fast as the broker confirms them, timed until the
 * last row is in PostgreSQL; the publish-only rate is the baseline (the broker's ceiling here).</li>
 * </ol>
 * Run: {@code cost-service/bench/run.sh} (packages, then runs this main). Args: reserve-calls ingest-events.
 */
public final class CostBench {
    private CostBench() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package first: " + jar.toAbsolutePath());
        }
        String run = RealServers.runId("llmops_bench");
        RealServers.createDatabase(run);
        RealServers.createVhost(run);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process service = new ProcessBuilder("java", "-Xmx512m", "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.redis.hosts=" + RealServers.REDIS_URL,
                "-Dllmops.redis.key-prefix=" + run + ":",
                "-Dquarkus.datasource.jdbc.url=" + RealServers.jdbcUrl(run),
                "-Dquarkus.datasource.reactive.url=" + RealServers.reactiveUrl(run),
                "-Dquarkus.datasource.username=" + RealServers.PG_USER,
                "-Dquarkus.datasource.password=" + RealServers.PG_PASSWORD,
                "-Drabbitmq-host=" + RealServers.RABBIT_HOST, "-Drabbitmq-port=" + RealServers.RABBIT_PORT,
                "-Drabbitmq-virtual-host=" + run, "-Dquarkus.log.level=WARN",
                "-Dllmops.cost.budgets.default-key-limit-usd=unlimited", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(Path.of("target", "bench-service.log").toFile()).start();
        try {
            awaitReady(port, service);
            System.out.printf("load average at start: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
            reserveBench(port, calls);
            ingestBench(run, events);
            System.out.printf("load average at end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            service.destroy();
            service.waitFor();
            RealServers.dropDatabase(run);
            RealServers.deleteVhost(run);
        }
    }

    static void reserveBench(int port, int calls) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            CostServiceGrpc.CostServiceBlockingStub cost = CostServiceGrpc.newBlockingStub(ch);
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
            Caller caller = Caller.newBuilder().setTenantId("bench").setKeyId("bench-key").setUserId("u1")
                    .putTags("team", "search").build();
            long[] reserve = new long[calls];
            long[] settle = new long[calls];
            long[] floor = new long[calls];
            for (int round = 0; round < 2; round++) { // round 0 warms up
                for (int i = 0; i < calls; i++) {
                    String rid = UUID.randomUUID().toString();
                    long t0 = System.nanoTime();
                    health.check(HealthCheckRequest.getDefaultInstance());
                    long t1 = System.nanoTime();
                    cost.reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller)
                            .setModel("gpt-4o-mini").setPromptTokens(800).setMaxCompletionTokens(400).build());
                    long t2 = System.nanoTime();
                    cost.settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(caller).setModel("gpt-4o-mini")
                            .setUsage(TokenUsage.newBuilder().setPromptTokens(800).setCompletionTokens(120)).build());
                    long t3 = System.nanoTime();
                    floor[i] = t1 - t0;
                    reserve[i] = t2 - t1;
                    settle[i] = t3 - t2;
                }
            }
            System.out.printf("RESERVE n=%d  p50=%.3f ms  p99=%.3f ms  p99.9=%.3f ms%n", calls, pct(reserve, 50),
                    pct(reserve, 99), pct(reserve, 99.9));
            System.out.printf("SETTLE  n=%d  p50=%.3f ms  p99=%.3f ms  p99.9=%.3f ms%n", calls, pct(settle, 50),
                    pct(settle, 99), pct(settle, 99.9));
            System.out.printf("BASELINE gRPC health Check  p50=%.3f ms  p99=%.3f ms  (Reserve/baseline p50 %.2fx,"
                    + " p99 %.2fx)%n", pct(floor, 50), pct(floor, 99), pct(reserve, 50) / pct(floor, 50),
                    pct(reserve, 99) / pct(floor, 99));
        } finally {
            ch.shutdownNow();
        }
    }

    static void ingestBench(String run, int events) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(RealServers.RABBIT_HOST);
        f.setPort(RealServers.RABBIT_PORT);
        f.setVirtualHost(run);
        try (Connection conn = f.newConnection("cost-bench"); Channel ch = conn.createChannel()) {
            ch.exchangeDeclare("llmops.usage", "topic", true);
            ch.exchangeDeclare("llmops.usage.dlx", "direct", true);
            ch.queueDeclare("llmops.cost.usage-events", true, false, false, Map.of(
                    "x-dead-letter-exchange", "llmops.usage.dlx", "x-dead-letter-routing-key", "usage.v1"));
            ch.queueBind("llmops.cost.usage-events", "llmops.usage", "usage.v1");
            ch.confirmSelect();
            long t0 = System.nanoTime();
            for (int i = 0; i < events; i++) {
                String id = UUID.randomUUID().toString();
                UsageEvent e = UsageEvent.newBuilder().setRequestId(id).setOccurredUnixMs(System.currentTimeMillis())
                        .setCaller(Caller.newBuilder().setTenantId("bench").setKeyId("k" + (i % 50))
                                .putTags("team", "t" + (i % 5)))
                        .setRequestedModel("auto").setRoute("auto").setServedModel("gpt-4o-mini").setProvider("openai")
                        .setUsage(TokenUsage.newBuilder().setPromptTokens(800).setCompletionTokens(120))
                        .setCostNanosUsd(192_000).setOutcome(Outcome.OUTCOME_SERVED).setLatencyMs(300).build();
                ch.basicPublish("llmops.usage", "usage.v1", new AMQP.BasicProperties.Builder()
                        .contentType("application/x-protobuf").deliveryMode(2).messageId(id).build(), e.toByteArray());
                if (i % 500 == 499) {
                    ch.waitForConfirmsOrDie(30_000);
                }
            }
            ch.waitForConfirmsOrDie(30_000);
            long published = System.nanoTime();
            long deadline = published + Duration.ofMinutes(5).toNanos();
            long rows;
            while ((rows = count(run)) < events && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long done = System.nanoTime();
            System.out.printf("INGEST %d events: %.0f events/s end to end (publish -> ledger row); baseline publish"
                    + " with confirms alone %.0f events/s; rows %d%n", events, events / ((done - t0) / 1e9),
                    events / ((published - t0) / 1e9), rows);
        }
    }

    private static long count(String run) throws Exception {
        try (var c = DriverManager.getConnection(RealServers.jdbcUrl(run), RealServers.PG_USER, RealServers.PG_PASSWORD);
             var s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from usage_ledger")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitReady(int port, Process p) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("cost-service exited: see target/bench-service.log");
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("cost-service not ready");
    }

    static double pct(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * p / 100))] / 1e6;
    }
}
