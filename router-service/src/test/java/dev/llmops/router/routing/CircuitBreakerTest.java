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
    void aStaleClosedViewAnswersAtOnceWhileABackgroundReadBringsInAnotherReplicasOpening() throws Exception {
        Replicas r = openedBehindReplicaOnesBack("refresh-model", Duration.ofSeconds(30));
        Thread.sleep(300); // replica 1's view is past its refresh period

        Future<Boolean> stale = r.one().allow(r.d());
        assertTrue(stale.isComplete() && stale.result(), "the stale closed view answers at once: no request waits for Redis");
        assertTrue(eventually(() -> !await(r.one().allow(r.d()))), "the background read brought in replica 2's opening");
        r.redis().close();
    }

    @Test
    void theBackgroundReadNeverTakesTheProbeOfABreakerThatCooledDown() throws Exception {
        Replicas r = openedBehindReplicaOnesBack("peek-model", Duration.ofMillis(300));
        Thread.sleep(400); // replica 1's view is stale and the cool-down is over

        assertTrue(r.one().allow(r.d()).isComplete(), "answered from the stale view; the read goes on in the background");
        Thread.sleep(200);
        assertEquals("open", await(r.two().state(r.d())).state(), "the background read left the probe to a caller");
        assertTrue(await(r.two().allow(r.d())), "the first real caller is the probe");
        assertFalse(await(r.one().allow(r.d())), "replica 1 asks Redis now (its view is no longer closed): the probe is out");
        r.redis().close();
    }

    record Replicas(Redis redis, CircuitBreakers one, CircuitBreakers two, Deployment d) {
    }

    /** Two replicas refreshing every 200 ms: replica 1 has seen the breaker closed, then replica 2's failures opened it. */
    static Replicas openedBehindReplicaOnesBack(String model, Duration coolDown) throws Exception {
        String prefix = RoutingHarness.prefix();
        Redis redis = RoutingHarness.redis(vertx, RoutingHarness.REDIS_URL);
        Replicas r = new Replicas(redis, new CircuitBreakers(vertx, redis, prefix, settings(coolDown, Duration.ofMillis(200))),
                new CircuitBreakers(vertx, redis, prefix, settings(coolDown, Duration.ofMillis(200))),
                target(a, model, 0, Duration.ofSeconds(5)));
        assertTrue(await(r.one().allow(r.d())), "closed: replica 1 keeps that view");
        for (int i = 0; i < 3; i++) {
            await(r.two().record(r.d(), false));
        }
        assertEquals("open", await(r.two().state(r.d())).state());
        return r;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static boolean eventually(Check check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
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
                assertTrue(eventually(() -> await(breakers.allow(dc))), "Redis is back and authoritative again (its state: closed)");
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
