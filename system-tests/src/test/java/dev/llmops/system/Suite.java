package dev.llmops.system;

import dev.llmops.testsupport.RealServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The whole suite for one test run: the local upstream and the four packaged services as processes on free ports,
 * on their own PostgreSQL database, RabbitMQ vhost and Redis key prefix. Started once, shared by the test classes.
 */
final class Suite {
    static final Path ROOT = Path.of(System.getProperty("llmops.root", "..")).toAbsolutePath().normalize();
    static final String API_KEY = "sk-e2e-" + java.util.UUID.randomUUID();
    static final String KEY_ID = "e2e";
    static final String TENANT = "tenant-e2e";
    /** The router's admin credential (RouterAdminService) for this run. */
    static final String ADMIN_KEY = "sk-e2e-admin-" + java.util.UUID.randomUUID();

    private static Suite running;

    final String run = RealServers.runId("llmops_e2e");
    final ServiceProcess upstream;
    final ServiceProcess guardrail;
    final ServiceProcess cache;
    final ServiceProcess cost;
    final ServiceProcess router;
    private final List<ServiceProcess> all = new ArrayList<>();

    static synchronized Suite get() {
        if (running == null) {
            running = new Suite();
            Runtime.getRuntime().addShutdownHook(new Thread(running::stop));
        }
        return running;
    }

    private Suite() {
        RealServers.createDatabase(run);
        RealServers.createVhost(run);
        try {
            int upstreamPort = freePort();
            upstream = add(ServiceProcess.start("local-upstream", upstreamPort, upstreamJar(), List.of(),
                    List.of("--port", String.valueOf(upstreamPort))));
            guardrail = add(startService("guardrail-service", List.of("-Drabbitmq-virtual-host=" + run)));
            cache = add(startService("cache-service", List.of()));
            cost = add(startService("cost-service", List.of(
                    "-Dquarkus.datasource.jdbc.url=" + RealServers.jdbcUrl(run),
                    "-Dquarkus.datasource.reactive.url=" + RealServers.reactiveUrl(run),
                    "-Dquarkus.datasource.username=" + RealServers.PG_USER,
                    "-Dquarkus.datasource.password=" + RealServers.PG_PASSWORD,
                    "-Drabbitmq-virtual-host=" + run)));
            router = add(startService("router-service", List.of(
                    "-Dquarkus.grpc.clients.guardrail.port=" + guardrail.port,
                    "-Dquarkus.grpc.clients.cache.port=" + cache.port,
                    "-Dquarkus.grpc.clients.cost.port=" + cost.port,
                    "-Drabbitmq-virtual-host=" + run,
                    "-Dllmops.router.keys." + KEY_ID + ".sha256=" + sha256(API_KEY),
                    "-Dllmops.router.keys." + KEY_ID + ".tenant=" + TENANT,
                    "-Dllmops.router.access.admin-key-sha256=" + sha256(ADMIN_KEY),
                    "-Dllmops.router.routes.local-echo.base-url=" + upstream.url("/v1"),
                    // a chain whose cheap first target refuses connections: every request falls back to gpt-4o
                    "-Dllmops.router.routes.fallback-dear.targets[0].base-url=http://127.0.0.1:1/v1",
                    "-Dllmops.router.routes.fallback-dear.targets[0].model=local-echo",
                    "-Dllmops.router.routes.fallback-dear.targets[1].base-url=" + upstream.url("/v1"),
                    "-Dllmops.router.routes.fallback-dear.targets[1].model=gpt-4o",
                    "-Dllmops.router.cache-semantic-policy=default",
                    "-Dllmops.router.cache-key-prefix=" + run + ":cache-service:",
                    "-Dllmops.guardrail.redis-key-prefix=" + run + ":guardrail-service:",
                    // longer than the default 10 ms, so that answers finishing together reliably share a StoreBatch
                    "-Dllmops.router.cache-store-linger=100ms")));
            Duration timeout = Duration.ofSeconds(180);
            upstream.awaitReady("/v1/models", timeout);
            for (ServiceProcess s : List.of(guardrail, cache, cost, router)) {
                s.awaitReady("/q/health/ready", timeout);
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    private ServiceProcess add(ServiceProcess p) {
        all.add(p);
        return p;
    }

    private ServiceProcess startService(String name, List<String> extra) {
        int port = freePort();
        List<String> jvm = new ArrayList<>(List.of(
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.redis.hosts=" + RealServers.REDIS_URL,
                "-Dllmops.redis.key-prefix=" + run + ":" + name + ":",
                "-Drabbitmq-host=" + RealServers.RABBIT_HOST,
                "-Drabbitmq-port=" + RealServers.RABBIT_PORT));
        jvm.addAll(extra);
        return ServiceProcess.start(name, port, ROOT.resolve(name + "/target/quarkus-app/quarkus-run.jar"), jvm, List.of());
    }

    private static Path upstreamJar() {
        Path target = ROOT.resolve("tools/local-upstream/target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no local-upstream runner jar in " + target));
        } catch (IOException e) {
            throw new IllegalStateException("no local-upstream build in " + target, e);
        }
    }

    synchronized void stop() {
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
        all.clear();
        try {
            RealServers.dropDatabase(run);
            RealServers.deleteVhost(run);
        } catch (RuntimeException e) {
            System.err.println("cleanup of " + run + " failed: " + e.getMessage());
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
