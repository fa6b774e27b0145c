package dev.llmops.router.routing;

import static dev.llmops.router.routing.RoutingHarness.call;
import static dev.llmops.router.routing.RoutingHarness.plan;
import static dev.llmops.router.routing.RoutingHarness.retry;
import static dev.llmops.router.routing.RoutingHarness.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.io.File;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Circuit breakers over real Redis (the shared server under a run prefix; a private redis-server for the outage):
 * opening after the threshold, sharing between replicas, the half-open probe, and Redis going away.
 */
class CircuitBreakerTest {
    static Vertx vertx;
    static LocalUpstream a;
    static LocalUpstream b;
    static final Duration WAIT = Duration.ofSeconds(10);

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        a = RoutingHarness.upstream();
        b = RoutingHarness.upstream();
        b.behave(UpstreamBehaviour.defaults().with(new JsonObject().put("answer", "from b")));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        vertx.close();
    }

    static CircuitSettings settings(Duration coolDown, Duration refresh) {
        return new CircuitSettings(true, 3, Duration.ofSeconds(10), coolDown, Duration.ofSeconds(5),
                Set.of(ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT), Duration.ofMillis(200),
                Duration.ofMillis(500), refresh);
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void opensAfterTheThresholdForEveryReplicaThenProbesAndCloses() throws Exception {
        String prefix = RoutingHarness.prefix();
        Redis redis = RoutingHarness.redis(vertx, RoutingHarness.REDIS_URL);
        CircuitBreakers replica1 = new CircuitBreakers(vertx, redis, prefix, settings(Duration.ofMillis(700), Duration.ofSeconds(1)));
        CircuitBreakers replica2 = new CircuitBreakers(vertx, redis, prefix, settings(Duration.ofMillis(700), Duration.ofSeconds(1)));
        RouteExecutor executor = new RouteExecutor(vertx, RoutingHarness.adapter(vertx), replica1, new LoadBalancer());
        a.reset();
        a.behave(UpstreamBehaviour.defaults().with(new JsonObject().put("error_rate", 1.0).put("error_status", 500)));
        Deployment da = target(a, "model-a", 0, Duration.ofSeconds(5));
        RoutePlan plan = plan(retry(1), da, target(b, "model-b", 1, Duration.ofSeconds(5)));

        assertTrue(await(replica2.allow(da)), "closed at first; replica 2 now trusts that for its refresh period");
        for (int i = 0; i < 3; i++) {
            assertEquals("from b", executor.execute(plan, call("q" + i), null, d -> { }).await().atMost(WAIT).content());
        }
        assertEquals(3, a.completions());
        assertEquals("open", await(replica1.state(da)).state(), "three 5xx in the window open it, in Redis");
        assertEquals("from b", executor.execute(plan, call("q4"), null, d -> { }).await().atMost(WAIT).content());
        assertEquals(3, a.completions(), "an open breaker keeps calls off the upstream");

        CircuitBreakers replica3 = new CircuitBreakers(vertx, redis, prefix, settings(Duration.ofMillis(700), Duration.ofSeconds(1)));
        assertFalse(await(replica3.allow(da)), "another replica sees the same open breaker through Redis");

        Thread.sleep(800); // the cool-down passes; the upstream has recovered
        a.behave(UpstreamBehaviour.defaults().with(new JsonObject().put("answer", "from a again")));
        assertEquals("from a again", executor.execute(plan, call("q5"), null, d -> { }).await().atMost(WAIT).content(),
                "one probe goes through after the cool-down");
        assertEquals("closed", await(replica1.state(da)).state(), "the probe's success closed it for everyone");
        redis.close();
    }

    @Test
    void aFailedProbeReopensAndOnlyOneCallerProbes() throws Exception {
        String prefix = RoutingHarness.prefix();
        Redis redis = RoutingHarness.redis(vertx, RoutingHarness.REDIS_URL);
        CircuitBreakers breakers = new CircuitBreakers(vertx, redis, prefix, settings(Duration.ofMillis(300), Duration.ZERO));
        CircuitBreakers other = new CircuitBreakers(vertx, redis, prefix, settings(Duration.ofMillis(300), Duration.ZERO));
        Deployment d = target(a, "probe-model", 0, Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            await(breakers.record(d, false));
        }
        assertFalse(await(breakers.allow(d)));
        Thread.sleep(350);
        assertTrue(await(breakers.allow(d)), "the first caller after the cool-down is the probe");
        assertFalse(await(other.allow(d)), "while the probe is out, nobody else goes");
        assertEquals("open", await(breakers.record(d, false)).state(), "the probe failed: open again");
        assertFalse(await(other.allow(d)));
        redis.close();
    }

    @Test
    void withRedisGoneTrafficFlowsAndALocalBreakerDecides() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = startRedis(port);
        Redis redis = RoutingHarness.redis(vertx, "redis://127.0.0.1:" + port);
        try {
            CircuitBreakers breakers = new CircuitBreakers(vertx, redis, "outage:", settings(Duration.ofSeconds(30), Duration.ZERO));
            RouteExecutor executor = new RouteExecutor(vertx, RoutingHarness.adapter(vertx), breakers, new LoadBalancer());
            LocalUpstream c = RoutingHarness.upstream();
            try {
                Deployment dc = target(c, "model-c", 0, Duration.ofSeconds(5));
                RoutePlan plan = plan(retry(1), dc, target(b, "model-b", 1, Duration.ofSeconds(5)));
                assertTrue(executor.execute(plan, call("up"), null, x -> { }).await().atMost(WAIT).content().startsWith("Echo"));

                server.destroy();
                assertTrue(server.waitFor(10, TimeUnit.SECONDS));
                long start = System.nanoTime();
                assertTrue(executor.execute(plan, call("down"), null, x -> { }).await().atMost(WAIT).content().startsWith("Echo"),
                        "Redis down: the call still goes through");
                assertTrue((System.nanoTime() - start) / 1_000_000 < 1500, "and is not held up by Redis");

                c.behave(c.behaviour().with(new JsonObject().put("error_rate", 1.0).put("error_status", 503)));
                for (int i = 0; i < 3; i++) {
                    assertEquals("from b", executor.execute(plan, call("f" + i), null, x -> { }).await().atMost(WAIT).content());
                }
                long before = c.completions();
                assertEquals("from b", executor.execute(plan, call("f4"), null, x -> { }).await().atMost(WAIT).content());
                assertEquals(before, c.completions(), "the local breaker opened after three failures");
                assertFalse(await(breakers.allow(dc)));

                server = startRedis(port);
                Thread.sleep(600); // past redis-retry: Redis decides again, and it never saw this breaker open
                boolean allowed = false;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!allowed && System.nanoTime() < deadline) {
                    allowed = await(breakers.allow(dc));
                    if (!allowed) {
                        Thread.sleep(200);
                    }
                }
                assertTrue(allowed, "Redis is back and authoritative again (its state: closed)");
            } finally {
                c.close();
            }
        } finally {
            redis.close();
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Process startRedis(int port) throws Exception {
        Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(new File("target/redis-circuit-" + port + ".log")).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (java.io.IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IllegalStateException("private redis-server did not start on port " + port);
    }
}
