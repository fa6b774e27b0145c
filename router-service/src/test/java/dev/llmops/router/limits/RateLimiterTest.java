package dev.llmops.router.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.auth.AccessConfig.FailurePolicy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The RPM/TPM limiter against the real Redis: atomic across concurrent callers, exact retry hints, outages. */
class RateLimiterTest {
    static TestRedis redis;
    static RateLimiter minute;

    @BeforeAll
    static void start() {
        redis = new TestRedis();
        minute = limiter(Duration.ofMinutes(1));
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    static RateLimiter limiter(Duration window) {
        return new RateLimiter(redis.client(), redis.prefix, Duration.ofSeconds(2), FailurePolicy.OPEN, window);
    }

    static RateLimiter.Decision await(io.smallrye.mutiny.Uni<RateLimiter.Decision> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    /** Waits until Redis' clock is not within {@code marginMs} of a window boundary, so a burst stays in one window. */
    static void awayFromBoundary(TestRedis redis, long windowMs, long marginMs) throws InterruptedException {
        while (true) {
            var t = redis.send(Request.cmd(Command.TIME));
            long now = t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000;
            long into = now % windowMs;
            if (into < windowMs - marginMs) {
                return;
            }
            Thread.sleep(windowMs - into + 5);
        }
    }

    @Test
    void concurrentCallersNeverGetMoreThanTheRpmLimit() throws Exception {
        awayFromBoundary(redis, 60_000, 10_000);
        RateLimiter[] replicas = {limiter(Duration.ofMinutes(1)), limiter(Duration.ofMinutes(1)),
                limiter(Duration.ofMinutes(1))};
        int threads = 16;
        int each = 25;
        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger denied = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            RateLimiter replica = replicas[i % replicas.length];
            futures.add(pool.submit(() -> {
                go.await();
                for (int j = 0; j < each; j++) {
                    RateLimiter.Decision d = await(replica.acquire("k-rpm-race", 100, 0, 10));
                    (d.allowed() ? allowed : denied).incrementAndGet();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals(100, allowed.get(), "exactly the limit is granted, across three replicas and 16 threads");
        assertEquals(threads * each - 100, denied.get());
    }

    @Test
    void concurrentReservationsNeverExceedTheTpmLimit() throws Exception {
        awayFromBoundary(redis, 60_000, 10_000);
        int threads = 16;
        AtomicLong grantedTokens = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            long tokens = 100 + i * 37; // different sizes, so the sum has to be checked, not a count
            futures.add(pool.submit(() -> {
                go.await();
                for (int j = 0; j < 10; j++) {
                    RateLimiter.Decision d = await(minute.acquire("k-tpm-race", 0, 5_000, tokens));
                    if (d.allowed()) {
                        grantedTokens.addAndGet(d.reservedTokens());
                    } else {
                        assertEquals("tpm", d.exceeded());
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertTrue(grantedTokens.get() <= 5_000, "granted " + grantedTokens.get() + " tokens of a 5000 TPM limit");
        assertTrue(grantedTokens.get() > 5_000 - 700, "the limit is used up, not refused early: " + grantedTokens.get());
    }

    @Test
    void aDeniedRequestSaysWhichLimitAndHowLongToWait() throws Exception {
        awayFromBoundary(redis, 60_000, 5_000);
        assertTrue(await(minute.acquire("k-wait", 2, 0, 1)).allowed());
        assertTrue(await(minute.acquire("k-wait", 2, 0, 1)).allowed());
        long deniedBefore = minute.deniedRpm();
        RateLimiter.Decision d = await(minute.acquire("k-wait", 2, 0, 1));
        assertFalse(d.allowed());
        assertEquals(deniedBefore + 1, minute.deniedRpm(), "counted for the metrics");
        assertEquals("rpm", d.exceeded());
        // the sliding-window counter weighs the previous minute as if spread evenly, so the wait can exceed one
        // window (up to two) when the previous minute's requests came at its start
        assertTrue(d.retryAfterMs() > 0 && d.retryAfterMs() < 120_000, "wait " + d.retryAfterMs());
        assertEquals(-1, d.window(), "a denied request charges nothing");
    }

    @Test
    void theWaitItGivesIsEnoughAndNotMuchMore() throws Exception {
        RateLimiter fast = limiter(Duration.ofSeconds(2));
        awayFromBoundary(redis, 2_000, 1_500);
        for (int i = 0; i < 3; i++) {
            assertTrue(await(fast.acquire("k-slide", 3, 0, 1)).allowed());
        }
        RateLimiter.Decision denied = await(fast.acquire("k-slide", 3, 0, 1));
        assertFalse(denied.allowed());
        // slightly early is still refused, on time is allowed
        Thread.sleep(Math.max(0, denied.retryAfterMs() - 150));
        RateLimiter.Decision early = await(fast.acquire("k-slide", 3, 0, 1));
        assertFalse(early.allowed(), "150 ms before the hinted time it is still too early");
        Thread.sleep(early.retryAfterMs() + 20);
        assertTrue(await(fast.acquire("k-slide", 3, 0, 1)).allowed(), "after the hinted wait the request passes");
    }

    @Test
    void tokensAreReservedFromTheEstimateAndCorrectedAfterwards() throws Exception {
        awayFromBoundary(redis, 60_000, 5_000);
        RateLimiter.Decision first = await(minute.acquire("k-correct", 0, 1000, 600));
        assertTrue(first.allowed());
        assertEquals(600, first.reservedTokens());
        RateLimiter.Decision second = await(minute.acquire("k-correct", 0, 1000, 600));
        assertFalse(second.allowed(), "600 reserved + 600 asked > 1000");
        assertEquals("tpm", second.exceeded());
        minute.correct("k-correct", first, 100).await().atMost(Duration.ofSeconds(5)); // really used 100
        assertTrue(await(minute.acquire("k-correct", 0, 1000, 600)).allowed(), "100 + 600 fits after the correction");
        // one request larger than the whole limit runs once the window is empty (reservation capped at the limit)
        RateLimiter.Decision big = await(minute.acquire("k-big", 0, 1000, 50_000));
        assertTrue(big.allowed());
        assertEquals(1000, big.reservedTokens());
        minute.correct("k-big", big, 3000).await().atMost(Duration.ofSeconds(5));
        assertFalse(await(minute.acquire("k-big", 0, 1000, 1)).allowed(), "the overrun is charged to the window");
    }

    @Test
    void keysWithoutLimitsNeverTouchRedis() {
        RateLimiter unreachable = new RateLimiter(redis.client(), "x:", Duration.ofMillis(100), FailurePolicy.CLOSED,
                Duration.ofMinutes(1));
        assertTrue(await(unreachable.acquire("k", 0, 0, 100)).allowed());
        assertEquals(0, unreachable.redisFailures());
    }

    @Test
    void redisUnavailableFailsOpenOrClosedAsConfigured() throws Exception {
        int port = TestRedis.freePort();
        Process server = TestRedis.startPrivateRedis(port);
        try (TestRedis priv = new TestRedis("redis://127.0.0.1:" + port)) {
            RateLimiter open = new RateLimiter(priv.client(), priv.prefix, Duration.ofMillis(300), FailurePolicy.OPEN,
                    Duration.ofMinutes(1));
            RateLimiter closed = new RateLimiter(priv.client(), priv.prefix, Duration.ofMillis(300),
                    FailurePolicy.CLOSED, Duration.ofMinutes(1));
            assertTrue(await(open.acquire("k", 1, 0, 1)).allowed());
            assertFalse(await(closed.acquire("k", 1, 0, 1)).allowed(), "the limit holds while Redis is up");
            server.destroy();
            server.waitFor();
            RateLimiter.Decision d = await(open.acquire("k", 1, 0, 1));
            assertTrue(d.allowed(), "fail open: the request goes through");
            assertEquals(-1, d.window(), "and nothing is charged");
            assertTrue(open.redisFailures() > 0);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> await(closed.acquire("k", 1, 0, 1)));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("retry"), e.getStatus().getDescription());
        } finally {
            server.destroy();
        }
    }

    @Test
    void aLostScriptCacheIsReloaded() throws Exception {
        awayFromBoundary(redis, 60_000, 5_000);
        assertTrue(await(minute.acquire("k-noscript", 5, 0, 1)).allowed());
        // SCRIPT FLUSH on the shared server would disturb other runs: check the fallback on a private one
        int port = TestRedis.freePort();
        Process server = TestRedis.startPrivateRedis(port);
        try (TestRedis priv = new TestRedis("redis://127.0.0.1:" + port)) {
            RateLimiter l = new RateLimiter(priv.client(), priv.prefix, Duration.ofSeconds(2), FailurePolicy.CLOSED,
                    Duration.ofMinutes(1));
            assertTrue(await(l.acquire("k", 5, 0, 1)).allowed());
            priv.send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
            assertTrue(await(l.acquire("k", 5, 0, 1)).allowed());
        } finally {
            server.destroy();
        }
    }
}
