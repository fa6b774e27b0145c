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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.CostServiceGrpc;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;

/**
 * Benchmarks of the two hot paths against the packaged service (target/quarkus-app/quarkus-run.jar, started here
 * as a process with its own database, vhost and Redis prefix):
 * <ol>
 * <li>Reserve latency, one caller, sequential, over gRPC on the shared port, with the gRPC health Check on the same
 * channel as the baseline (transport + framework floor), plus Settle;</li>
 * <li>ledger ingest: N usage events published to RabbitMQ (batch messages of 512, as the router sends them under
 * load) as fast as the broker confirms them, timed until the
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
        // A/B: with COST_SERVICE_OPTS_B set, a second service (its own database, vhost and prefix) runs those JVM
        // options and the Reserve loop alternates between the two, so both see the same machine load
        String optsB = System.getenv("COST_SERVICE_OPTS_B");
        String runB = optsB == null ? null : run + "b";
        if (runB != null) {
            RealServers.createDatabase(runB);
            RealServers.createVhost(runB);
        }
        // the backlog the service drains as soon as it is up (ingest rate independent of the publisher's)
        publishBacklog(run, events);
        List<Process> started = new ArrayList<>();
        try {
            int port = freePort();
            Process service = start(run, port, System.getenv().getOrDefault("COST_SERVICE_OPTS", ""), "");
            started.add(service);
            long ready = awaitReady(port, service);
            System.out.printf("load average at start: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
            List<Target> targets = new ArrayList<>(List.of(new Target("A", port, new Cpu(service.pid(), run))));
            drainBench(run, events, ready, targets.get(0).cpu());
            if (runB != null) {
                int portB = freePort();
                Process b = start(runB, portB, optsB, "-b");
                started.add(b);
                awaitReady(portB, b);
                targets.add(new Target("B", portB, new Cpu(b.pid(), runB)));
                System.out.printf("A/B: A opts [%s], B opts [%s]%n",
                        System.getenv().getOrDefault("COST_SERVICE_OPTS", ""), optsB);
            }
            reserveBench(targets, calls, run);
            ingestBench(run, events, targets.get(0).cpu());
            System.out.printf("load average at end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            for (Process p : started) {
                p.destroy();
                p.waitFor();
            }
            RealServers.dropDatabase(run);
            RealServers.deleteVhost(run);
            if (runB != null) {
                RealServers.dropDatabase(runB);
                RealServers.deleteVhost(runB);
            }
        }
    }

    record Target(String name, int port, Cpu cpu) {
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the packaged service with its own database, vhost and Redis prefix ({@code run}). */
    private static Process start(String run, int port, String extraOpts, String logSuffix) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx512m"));
        // extra JVM options (e.g. an A/B of a setting): COST_SERVICE_OPTS / COST_SERVICE_OPTS_B="-Dkey=value ..."
        if (!extraOpts.isBlank()) {
            command.addAll(List.of(extraOpts.trim().split("\\s+")));
        }
        command.addAll(List.of("-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.redis.hosts=" + RealServers.REDIS_URL,
                "-Dllmops.redis.key-prefix=" + run + ":",
                "-Dquarkus.datasource.jdbc.url=" + RealServers.jdbcUrl(run),
                "-Dquarkus.datasource.reactive.url=" + RealServers.reactiveUrl(run),
                "-Dquarkus.datasource.username=" + RealServers.PG_USER,
                "-Dquarkus.datasource.password=" + RealServers.PG_PASSWORD,
                "-Drabbitmq-host=" + RealServers.RABBIT_HOST, "-Drabbitmq-port=" + RealServers.RABBIT_PORT,
                "-Drabbitmq-virtual-host=" + run, "-Dquarkus.log.level=WARN",
                "-Dllmops.cost.budgets.default-key-limit-usd=unlimited", "-jar",
                Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "bench-service" + logSuffix + ".log").toFile()).start();
    }

    /**
     * Reserve latency, sequential. Per iteration: the Redis floor once, then on each target (alternating which
     * goes first) a health Check, a Reserve and a Settle.
     */
    static void reserveBench(List<Target> targets, int calls, String run) throws Exception {
        int n = targets.size();
        List<ManagedChannel> channels = new ArrayList<>();
        try (RedisFloor redis = new RedisFloor(run + ":floor:")) {
            CostServiceGrpc.CostServiceBlockingStub[] cost = new CostServiceGrpc.CostServiceBlockingStub[n];
            HealthGrpc.HealthBlockingStub[] health = new HealthGrpc.HealthBlockingStub[n];
            for (int t = 0; t < n; t++) {
                ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", targets.get(t).port())
                        .usePlaintext().build();
                channels.add(ch);
                cost[t] = CostServiceGrpc.newBlockingStub(ch);
                health[t] = HealthGrpc.newBlockingStub(ch);
            }
            Caller caller = Caller.newBuilder().setTenantId("bench").setKeyId("bench-key").setUserId("u1")
                    .putTags("team", "search").build();
            long[][] reserve = new long[n][calls];
            long[][] settle = new long[n][calls];
            long[][] floor = new long[n][calls];
            long[] redisFloor = new long[calls];
            long[][] cpuAtStart = new long[n][];
            for (int round = 0; round < 2; round++) { // round 0 warms up
                if (round == 1) {
                    for (int t = 0; t < n; t++) {
                        cpuAtStart[t] = targets.get(t).cpu().snapshot();
                    }
                }
                for (int i = 0; i < calls; i++) {
                    String rid = UUID.randomUUID().toString();
                    long r0 = System.nanoTime();
                    redis.reserve(rid);
                    redisFloor[i] = System.nanoTime() - r0;
                    redis.settle(rid);
                    for (int k = 0; k < n; k++) {
                        int t = (k + i) % n;
                        long t0 = System.nanoTime();
                        health[t].check(HealthCheckRequest.getDefaultInstance());
                        long t1 = System.nanoTime();
                        cost[t].reserve(ReserveRequest.newBuilder().setRequestId(rid).setCaller(caller)
                                .setModel("gpt-4o-mini").setPromptTokens(800).setMaxCompletionTokens(400).build());
                        long t2 = System.nanoTime();
                        cost[t].settle(SettleRequest.newBuilder().setRequestId(rid).setCaller(caller)
                                .setModel("gpt-4o-mini").setUsage(TokenUsage.newBuilder().setPromptTokens(800)
                                        .setCompletionTokens(120)).build());
                        long t3 = System.nanoTime();
                        floor[t][i] = t1 - t0;
                        reserve[t][i] = t2 - t1;
                        settle[t][i] = t3 - t2;
                    }
                }
            }
            for (int t = 0; t < n; t++) {
                String name = n > 1 ? " [" + targets.get(t).name() + "]" : "";
                System.out.printf("RESERVE%s n=%d  p50=%.3f ms  p99=%.3f ms  p99.9=%.3f ms%n", name, calls,
                        pct(reserve[t], 50), pct(reserve[t], 99), pct(reserve[t], 99.9));
                System.out.printf("SETTLE%s  n=%d  p50=%.3f ms  p99=%.3f ms  p99.9=%.3f ms%n", name, calls,
                        pct(settle[t], 50), pct(settle[t], 99), pct(settle[t], 99.9));
                System.out.printf("BASELINE%s gRPC health Check  p50=%.3f ms  p99=%.3f ms  (Reserve/baseline p50"
                        + " %.2fx, p99 %.2fx)%n", name, pct(floor[t], 50), pct(floor[t], 99),
                        pct(reserve[t], 50) / pct(floor[t], 50), pct(reserve[t], 99) / pct(floor[t], 99));
                long[] used = targets.get(t).cpu().since(cpuAtStart[t]);
                System.out.printf("CPU%s per iteration (health Check + Reserve + Settle): service %.1f us, its"
                        + " PostgreSQL backends %.1f us%n", name, used[0] / (double) calls, used[1] / (double) calls);
            }
            System.out.printf("BASELINE Redis EVALSHA of the same reserve script from this client  p50=%.3f ms"
                    + "  p99=%.3f ms  p99.9=%.3f ms%n", pct(redisFloor, 50), pct(redisFloor, 99),
                    pct(redisFloor, 99.9));
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /** Events per broker message: a full router batch. */
    static final int EVENTS_PER_MESSAGE = 512;

    /** Publishes {@code events} usage events in batch messages of 512, with confirms; @return the time it took (ns). */
    static long publish(String run, int events) throws Exception {
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
            UsageEventBatch.Builder batch = UsageEventBatch.newBuilder();
            for (int i = 0; i < events; i++) {
                String id = UUID.randomUUID().toString();
                batch.addEvents(UsageEvent.newBuilder().setRequestId(id).setOccurredUnixMs(System.currentTimeMillis())
                        .setCaller(Caller.newBuilder().setTenantId("bench").setKeyId("k" + (i % 50))
                                .putTags("team", "t" + (i % 5)))
                        .setRequestedModel("auto").setRoute("auto").setServedModel("gpt-4o-mini").setProvider("openai")
                        .setUsage(TokenUsage.newBuilder().setPromptTokens(800).setCompletionTokens(120))
                        .setCostNanosUsd(192_000).setOutcome(Outcome.OUTCOME_SERVED).setLatencyMs(300));
                if (batch.getEventsCount() == EVENTS_PER_MESSAGE || i == events - 1) {
                    String batchId = UUID.randomUUID().toString();
                    ch.basicPublish("llmops.usage", "usage.v1", new AMQP.BasicProperties.Builder()
                            .type("llmops.events.v1.UsageEventBatch").contentType("application/x-protobuf")
                            .deliveryMode(2).messageId(batchId).build(), batch.setBatchId(batchId).build().toByteArray());
                    batch.clear();
                    ch.waitForConfirmsOrDie(30_000);
                }
            }
            return System.nanoTime() - t0;
        }
    }

    static void publishBacklog(String run, int events) throws Exception {
        long took = publish(run, events);
        System.out.printf("BACKLOG %d events published with confirms before the service starts: %.0f events/s%n",
                events, events / (took / 1e9));
    }

    /**
     * The service drains the backlog from its start: the sustained ingest rate is taken between 10 % and 90 % of
     * the rows (startup and the last partial batches left out), from a count polled every 20 ms.
     */
    static void drainBench(String run, int events, long readyNanos, Cpu cpu) throws Exception {
        long[] cpuAtStart = cpu.snapshot();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long t10 = 0;
        long t90 = 0;
        long c10 = 0;
        long c90 = 0;
        long rows;
        while ((rows = count(run)) < events && System.nanoTime() < deadline) {
            long now = System.nanoTime();
            if (t10 == 0 && rows >= events / 10) {
                t10 = now;
                c10 = rows;
            }
            if (t90 == 0 && rows >= events * 9L / 10) {
                t90 = now;
                c90 = rows;
            }
            Thread.sleep(20);
        }
        long done = System.nanoTime();
        if (t90 == 0) {
            t90 = done;
            c90 = rows;
        }
        long[] used = cpu.since(cpuAtStart);
        System.out.printf("INGEST (backlog drain) %d events: sustained %.0f events/s (rows %d..%d); rows %d;"
                + " ready->all rows %.0f events/s; CPU per event after ready: service %.1f us, its PostgreSQL"
                + " backends %.1f us%n", events, (c90 - c10) / ((t90 - t10) / 1e9), c10, c90, rows,
                events / ((done - readyNanos) / 1e9), used[0] / (double) events, used[1] / (double) events);
    }

    /** Events published while the service consumes them: end to end, bounded by the publisher's rate. */
    static void ingestBench(String run, int events, Cpu cpu) throws Exception {
        long before = count(run);
        long[] cpuAtStart = cpu.snapshot();
        long t0 = System.nanoTime();
        long took = publish(run, events);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long rows;
        while ((rows = count(run) - before) < events && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long done = System.nanoTime();
        long[] used = cpu.since(cpuAtStart);
        System.out.printf("INGEST (live) %d events: %.0f events/s end to end (publish -> ledger row); baseline"
                + " publish with confirms alone %.0f events/s; rows %d; CPU per event: service %.1f us, its"
                + " PostgreSQL backends %.1f us%n", events, events / ((done - t0) / 1e9), events / (took / 1e9), rows,
                used[0] / (double) events, used[1] / (double) events);
    }

    private static long count(String run) throws Exception {
        try (var c = DriverManager.getConnection(RealServers.jdbcUrl(run), RealServers.PG_USER, RealServers.PG_PASSWORD);
             var s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from usage_ledger")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** @return System.nanoTime() when the service answered ready */
    private static long awaitReady(int port, Process p) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return System.nanoTime();
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

    /**
     * The reserve and settle scripts run straight from this process over one RESP connection, with the key and
     * argument layout BudgetStore uses (4 budgets): the Redis share of a Reserve.
     */
    static final class RedisFloor implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.BufferedOutputStream out;
        private final java.io.DataInputStream in;
        private final String prefix;
        private final String reserveSha;
        private final String settleSha;

        RedisFloor(String prefix) throws Exception {
            URI uri = URI.create(RealServers.REDIS_URL);
            socket = new java.net.Socket(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
            socket.setTcpNoDelay(true);
            out = new java.io.BufferedOutputStream(socket.getOutputStream());
            in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            this.prefix = prefix;
            String prune = resource("lua/prune.lua");
            reserveSha = (String) call("SCRIPT", "LOAD", prune + resource("lua/reserve.lua"));
            settleSha = (String) call("SCRIPT", "LOAD", prune + resource("lua/settle.lua"));
        }

        private String[] keys(String rid) {
            String tag = "{bench-floor}";
            return new String[] {prefix + "resexp:" + tag, prefix + "res:" + tag, prefix + "settled:" + tag + ":" + rid,
                prefix + "b:" + tag + ":tenant", prefix + "b:" + tag + ":team", prefix + "b:" + tag + ":key",
                prefix + "b:" + tag + ":user"};
        }

        void reserve(String rid) throws IOException {
            String[] k = keys(rid);
            call(concat(new String[] {"EVALSHA", reserveSha, "7"}, k, new String[] {rid, "1000000", "900000",
                "-1", "1", "0", "-1", "1", "0", "-1", "1", "0", "-1", "1", "0"}));
        }

        void settle(String rid) throws IOException {
            String[] k = keys(rid);
            call(concat(new String[] {"EVALSHA", settleSha, "7"}, k, new String[] {rid, "192000", "600000",
                "-1", "0", "-1", "0", "-1", "0", "-1", "0"}));
        }

        private static String[] concat(String[]... parts) {
            return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
        }

        private Object call(String... args) throws IOException {
            StringBuilder b = new StringBuilder().append('*').append(args.length).append("\r\n");
            for (String a : args) {
                byte[] bytes = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
            }
            out.write(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
            return read();
        }

        private Object read() throws IOException {
            char type = (char) in.readByte();
            String line = line();
            switch (type) {
                case '+', ':':
                    return line;
                case '-':
                    throw new IOException("redis: " + line);
                case '$': {
                    int n = Integer.parseInt(line);
                    if (n < 0) {
                        return null;
                    }
                    byte[] bytes = new byte[n + 2];
                    in.readFully(bytes);
                    return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
                }
                case '*': {
                    int n = Integer.parseInt(line);
                    Object[] items = new Object[Math.max(0, n)];
                    for (int i = 0; i < n; i++) {
                        items[i] = read();
                    }
                    return items;
                }
                default:
                    throw new IOException("unexpected RESP type " + type);
            }
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\r') {
                b.append((char) c);
            }
            in.read(); // \n
            return b.toString();
        }

        private static String resource(String path) throws IOException {
            try (var s = CostBench.class.getClassLoader().getResourceAsStream(path)) {
                return new String(s.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * CPU time (user + system, from /proc) of the service process and of the PostgreSQL backends serving its
     * database (the bench's own JDBC polls excluded). Backends that exit between two snapshots are not counted.
     */
    static final class Cpu {
        private static final long MICROS_PER_TICK = 10_000; // CLK_TCK = 100 on Linux
        private final long pid;
        private final String database;

        Cpu(long pid, String database) {
            this.pid = pid;
            this.database = database;
        }

        /** @return {service ticks, then pid and ticks of each backend} */
        long[] snapshot() throws Exception {
            List<Long> out = new ArrayList<>();
            out.add(ticks(pid));
            try (var c = DriverManager.getConnection(RealServers.jdbcUrl(database), RealServers.PG_USER,
                    RealServers.PG_PASSWORD); var st = c.prepareStatement("select pid from pg_stat_activity where"
                            + " datname = ? and application_name <> 'PostgreSQL JDBC Driver'")) {
                st.setString(1, database);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        long backend = rs.getLong(1);
                        out.add(backend);
                        out.add(ticks(backend));
                    }
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }

        /** @return {service micros, PostgreSQL backend micros} used since {@code start} */
        long[] since(long[] start) throws Exception {
            long[] now = snapshot();
            long pg = 0;
            for (int i = 1; i + 1 < now.length; i += 2) {
                long before = 0;
                for (int j = 1; j + 1 < start.length; j += 2) {
                    if (start[j] == now[i]) {
                        before = start[j + 1];
                    }
                }
                pg += now[i + 1] - before;
            }
            return new long[] {(now[0] - start[0]) * MICROS_PER_TICK, pg * MICROS_PER_TICK};
        }

        private static long ticks(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            } catch (IOException gone) {
                return 0;
            }
        }
    }

    static double pct(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * p / 100))] / 1e6;
    }
}
