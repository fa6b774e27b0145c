package dev.llmops.router.limits;

import dev.llmops.router.admin.KeyAdminAccess;
import dev.llmops.router.auth.AccessConfig.FailurePolicy;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.auth.ApiKeysAccess;
import dev.llmops.router.auth.KeyStore;
import dev.llmops.router.auth.VirtualKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The request-path costs of keys and limits, each next to a baseline measured in the same run:
 * <ul>
 *   <li>authentication of a virtual key from the local cache vs a key from config (both hash the key);</li>
 *   <li>a virtual-key lookup in Redis (cache miss) and a limiter check vs a bare Redis PING round trip,
 *       sequential (latency) and with 64 in flight (throughput).</li>
 * </ul>
 * Not a test: a harness. Run it with
 * {@code ./mvnw -B -pl router-service -am verify -Dtest=KeysAndLimitsBenchmark -Dbench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class KeysAndLimitsBenchmark {
    static final int SEQUENTIAL = 20_000;
    static final int CONCURRENT = 100_000;
    static final int IN_FLIGHT = 64;

    @Test
    void run() throws Exception {
        try (TestRedis redis = new TestRedis()) {
            Redis client = redis.client();
            KeyStore store = new KeyStore(client, redis.prefix, Duration.ofSeconds(5));
            String apiKey = KeyAdminAccess.create(KeyAdminAccess.admin(store), "bench", "acme", 0, 0);
            VirtualKeys keys = new VirtualKeys(store, client, redis.vertx, Duration.ofHours(1), Duration.ofSeconds(1),
                    Duration.ofHours(1), 1000);

            // 1. in-process authentication: config map vs local cache (both include SHA-256 of the presented key)
            Map<String, ApiKeys.Principal> configured = new HashMap<>();
            configured.put(ApiKeys.sha256("sk-llmops-config-key"), new ApiKeys.Principal("cfg", "acme"));
            keys.find(ApiKeys.sha256(apiKey)).await().atMost(Duration.ofSeconds(5));
            for (int round = 0; round < 3; round++) { // the last round counts; earlier ones warm the JIT
                long cfg = nanosPerOp(500_000, i -> configured.get(ApiKeys.sha256("sk-llmops-config-key")));
                long cached = nanosPerOp(500_000, i -> {
                    String sha = ApiKeys.sha256(apiKey);
                    return ApiKeysAccess.check(keys.find(sha).await().indefinitely(), sha);
                });
                if (round == 2) {
                    System.out.printf(Locale.ROOT, "%nauthenticate, in process (ns/op): config key %d, virtual key from "
                            + "local cache %d (%.2fx)%n", cfg, cached, (double) cached / cfg);
                }
            }

            // 2. Redis round trips, sequential latency
            RateLimiter limiter = new RateLimiter(client, redis.prefix, Duration.ofSeconds(5), FailurePolicy.CLOSED,
                    Duration.ofMinutes(1));
            Request ping = Request.cmd(Command.PING);
            IntFunction<Uni<?>> pingOp = i -> client.send(ping);
            IntFunction<Uni<?>> lookupOp = i -> store.lookup(ApiKeys.sha256(apiKey));
            IntFunction<Uni<?>> limitOp = i -> limiter.acquire("bench-" + (i % 1000), 1_000_000_000L, 1_000_000_000L, 500);
            for (int round = 0; round < 2; round++) {
                long[] p = sequential(pingOp);
                long[] l = sequential(lookupOp);
                long[] r = sequential(limitOp);
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "%nsequential, %d calls each (µs)    p50     p90     p99   p99.9%n",
                            SEQUENTIAL);
                    print("Redis PING (baseline)", p);
                    print("key lookup (cache miss)", l);
                    print("limiter acquire (RPM+TPM)", r);
                }
            }

            // 3. throughput with requests in flight
            for (int round = 0; round < 2; round++) {
                double p = throughput(pingOp);
                double l = throughput(lookupOp);
                double r = throughput(limitOp);
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "%n%d in flight, %d calls each (calls/s): PING %.0f, key lookup %.0f "
                            + "(%.2fx of PING), limiter acquire %.0f (%.2fx of PING)%n%n", IN_FLIGHT, CONCURRENT, p, l,
                            l / p, r, r / p);
                }
            }
        }
    }

    static long nanosPerOp(int n, IntFunction<Object> op) {
        Object sink = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sink = op.apply(i);
        }
        long ns = (System.nanoTime() - t0) / n;
        if (sink == null) {
            throw new IllegalStateException("nothing computed");
        }
        return ns;
    }

    static long[] sequential(IntFunction<Uni<?>> op) {
        long[] micros = new long[SEQUENTIAL];
        for (int i = 0; i < SEQUENTIAL; i++) {
            long t0 = System.nanoTime();
            op.apply(i).await().atMost(Duration.ofSeconds(5));
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(micros);
        return micros;
    }

    static double throughput(IntFunction<Uni<?>> op) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(CONCURRENT);
        long t0 = System.nanoTime();
        for (int w = 0; w < IN_FLIGHT; w++) {
            chain(op, next, done, failures);
        }
        done.await();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " calls failed");
        }
        return CONCURRENT / seconds;
    }

    /** One of the in-flight slots: issue a call, and when it ends, the next. */
    static void chain(IntFunction<Uni<?>> op, AtomicInteger next, CountDownLatch done, AtomicInteger failures) {
        int i = next.getAndIncrement();
        if (i >= CONCURRENT) {
            return;
        }
        op.apply(i).subscribe().with(ok -> {
            done.countDown();
            chain(op, next, done, failures);
        }, e -> {
            failures.incrementAndGet();
            done.countDown();
            chain(op, next, done, failures);
        });
    }

    static void print(String name, long[] sorted) {
        System.out.printf(Locale.ROOT, "  %-28s %7d %7d %7d %7d%n", name, at(sorted, 0.5), at(sorted, 0.9),
                at(sorted, 0.99), at(sorted, 0.999));
    }

    static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
