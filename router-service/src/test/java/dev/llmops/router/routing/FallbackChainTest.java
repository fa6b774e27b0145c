package dev.llmops.router.routing;

import static dev.llmops.router.routing.RoutingHarness.call;
import static dev.llmops.router.routing.RoutingHarness.plan;
import static dev.llmops.router.routing.RoutingHarness.refused;
import static dev.llmops.router.routing.RoutingHarness.retry;
import static dev.llmops.router.routing.RoutingHarness.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Fault scenarios over real HTTP to local upstreams: 500s, 429 with Retry-After, hangs past the deadline, refused
 * connections, streams cut before and after the first token. Circuit breakers are off here (CircuitBreakerTest).
 */
class FallbackChainTest extends TwoUpstreams {

    ChatResult run(RoutePlan plan, AtomicReference<Deployment> served) {
        return executor.execute(plan, call("hello"), null, served::set).await().atMost(WAIT);
    }

    @Test
    void a500IsRetriedThenFallsBackToTheNextTarget() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        AtomicReference<Deployment> served = new AtomicReference<>();
        RoutePlan plan = plan(retry(2), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        ChatResult r = run(plan, served);
        assertEquals("from b", r.content());
        assertEquals("model-b", served.get().route().upstreamModel());
        assertEquals(2, a.completions(), "one try and one retry on the failing target");
        assertEquals(1, b.completions());
    }

    @Test
    void eventsReportEveryAttemptAndTheFallback() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 503));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        RouteExecutor recording = new RouteExecutor(vertx, RoutingHarness.adapter(vertx),
                new CircuitBreakers(vertx, null, "x:", new CircuitSettings(false, 5, Duration.ofSeconds(1),
                        Duration.ofSeconds(1), Duration.ofSeconds(1), java.util.Set.of(), Duration.ofMillis(50),
                        Duration.ofSeconds(1), Duration.ofSeconds(1))), new LoadBalancer(), new RoutingEvents() {
            @Override
            public void attempt(RoutePlan plan, Deployment target, ErrorKind failure, long nanos) {
                seen.add(target.route().upstreamModel() + ":" + (failure == null ? "ok" : failure.configName()));
            }

            @Override
            public void fellBack(RoutePlan plan, Deployment from) {
                seen.add("fallback from " + from.route().upstreamModel());
            }
        });
        RoutePlan plan = plan(retry(2), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        recording.execute(plan, call("hello"), null, d -> { }).await().atMost(WAIT);
        assertEquals(List.of("model-a:5xx", "model-a:5xx", "fallback from model-a", "model-b:ok"), seen);
    }

    @Test
    void a429RetryAfterWithinTheCapIsWaitedFor() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 429).put("retry_after_seconds", 1));
        RoutePlan plan = plan(retry(2), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        long start = System.nanoTime();
        ChatResult r = run(plan, new AtomicReference<>());
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("from b", r.content());
        assertEquals(2, a.completions());
        assertTrue(tookMs >= 1000, "the retry waited for Retry-After (1 s), took " + tookMs + " ms");
    }

    @Test
    void a429RetryAfterAboveTheCapFallsBackAtOnce() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 429).put("retry_after_seconds", 30));
        RoutePlan plan = plan(retry(3), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        long start = System.nanoTime();
        assertEquals("from b", run(plan, new AtomicReference<>()).content());
        assertEquals(1, a.completions(), "no retry: the upstream asked for 30 s, above the 5 s cap");
        // it would wait 30 s if it honoured the header, 5 s if it clamped it to the cap
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4000);
    }

    @Test
    void aHangPastTheDeadlineFallsBackWithoutRetry() {
        behave(a, new JsonObject().put("latency_ms", 3000));
        RoutePlan plan = plan(retry(3), target(a, "model-a", 0, Duration.ofMillis(200)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        long start = System.nanoTime();
        assertEquals("from b", run(plan, new AtomicReference<>()).content());
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1, a.completions(), "timeouts are not in retry.on by default");
        assertTrue(tookMs >= 200 && tookMs < 2900, "gave up at the deadline, not after the 3 s hang: " + tookMs + " ms");
    }

    @Test
    void aRefusedConnectionFallsBack() {
        RoutePlan plan = plan(retry(2), refused(0), target(b, "model-b", 1, Duration.ofSeconds(5)));
        assertEquals("from b", run(plan, new AtomicReference<>()).content());
    }

    @Test
    void whenEveryTargetFailsEachFailureIsReportedTogether() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        behave(b, new JsonObject().put("error_rate", 1.0).put("error_status", 429));
        RoutePlan plan = plan(retry(1), target(a, "model-a", 0, Duration.ofSeconds(5)),
                target(b, "model-b", 1, Duration.ofSeconds(5)), refused(2));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> run(plan, new AtomicReference<>()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), "mixed failures: UNAVAILABLE");
        String d = e.getStatus().getDescription();
        assertTrue(d.startsWith("route 'chat': all 3 targets failed"), d);
        assertTrue(d.contains("[1] openai model-a @ " + a.baseUrl() + ": ") && d.contains("HTTP 500"), d);
        assertTrue(d.contains("[2] openai model-b @ " + b.baseUrl() + ": ") && d.contains("HTTP 429"), d);
        assertTrue(d.contains("[3] openai down-model @ http://127.0.0.1:1/v1: ") && d.contains("refused"), d);
    }

    @Test
    void aRejectedRequestIsNotFallenBack() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 400));
        RoutePlan plan = plan(retry(2), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> run(plan, new AtomicReference<>()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(1, a.completions());
        assertEquals(0, b.completions());
    }

    @Test
    void aStreamThatFailsBeforeItsFirstTokenFallsBack() {
        // the first chunk carries the role and no content: the cut comes before any token
        behave(a, new JsonObject().put("answer", "from a").put("cut_after_chunks", 1).put("chunk_delay_ms", 5));
        List<String> deltas = new ArrayList<>();
        RoutePlan plan = plan(retry(1), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        ChatResult r = executor.execute(plan, call("hi"), deltas::add, d -> { }).await().atMost(WAIT);
        assertEquals("from b", r.content());
        assertEquals("from b", String.join("", deltas));
        assertEquals(1, a.completions());
    }

    @Test
    void aStreamCutAfterItsFirstTokenFailsWithoutFallback() {
        behave(a, new JsonObject().put("answer", "one two three").put("cut_after_chunks", 3).put("chunk_delay_ms", 5));
        List<String> deltas = new ArrayList<>();
        RoutePlan plan = plan(retry(3), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> executor.execute(plan, call("hi"), deltas::add, d -> { }).await().atMost(WAIT));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("one two", String.join("", deltas));
        assertEquals(1, a.completions(), "no retry once tokens were sent");
        assertEquals(0, b.completions(), "no fallback once tokens were sent");
    }

    @Test
    void retryPolicyBacksOffExponentiallyWithJitterUnderTheCap() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2),
                java.util.Set.of(ErrorKind.SERVER_ERROR));
        java.util.Random random = new java.util.Random(7);
        long max1 = 0;
        long max3 = 0;
        for (int i = 0; i < 2000; i++) {
            max1 = Math.max(max1, p.delayAfter(1, ErrorKind.SERVER_ERROR, java.util.Optional.empty(), random).orElseThrow().toMillis());
            max3 = Math.max(max3, p.delayAfter(3, ErrorKind.SERVER_ERROR, java.util.Optional.empty(), random).orElseThrow().toMillis());
        }
        assertTrue(max1 <= 100 && max1 > 80, "attempt 1 waits up to 100 ms: " + max1);
        assertTrue(max3 <= 400 && max3 > 300, "attempt 3 waits up to 400 ms: " + max3);
        assertEquals(500, p.delayAfter(9, ErrorKind.SERVER_ERROR, java.util.Optional.empty(), new java.util.Random(1) {
            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        }).orElseThrow().toMillis(), "capped at max-backoff");
        assertTrue(p.delayAfter(1, ErrorKind.TIMEOUT, java.util.Optional.empty(), random).isEmpty(), "not retryable");
        assertTrue(p.delayAfter(10, ErrorKind.SERVER_ERROR, java.util.Optional.empty(), random).isEmpty(), "attempts used");
        assertEquals(Duration.ofSeconds(2), p.delayAfter(1, ErrorKind.SERVER_ERROR,
                java.util.Optional.of(Duration.ofSeconds(2)), random).orElseThrow(), "Retry-After honoured");
    }
}
