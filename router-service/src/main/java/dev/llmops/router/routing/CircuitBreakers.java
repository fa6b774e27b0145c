package dev.llmops.router.routing;

import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Per-upstream circuit breakers whose state lives in Redis, so every router replica sees the same breaker
 * ({@code lua/circuit.lua}, one atomic script per operation).
 *
 * <p>The hot path does not wait for Redis: a replica keeps its last view of each breaker and trusts a closed one for
 * {@code stateRefresh}, and an open one until its cool-down ends; successes go to Redis only while a breaker is not
 * closed. Failures always go to Redis, so counts are shared. A closed view older than {@code stateRefresh} still
 * answers while one background read ({@code peek}: never takes the probe) brings it up to date, so no request waits
 * for that read either ({@code stateRefresh} zero: every decision is taken in Redis, in turn).
 *
 * <p>Redis unavailable (error, or no answer within {@code redisTimeout}): traffic is never blocked on it. For
 * {@code redisRetry} the decisions are taken by a breaker in this replica's memory with the same rules (starting
 * closed), then Redis is tried again; once it answers, its state is authoritative again.
 */
public final class CircuitBreakers {
    private static final String SCRIPT = script();
    private final Vertx vertx;
    private final Redis redis;
    private final String keyPrefix;
    private final CircuitSettings settings;
    private final String sha;
    private final ConcurrentHashMap<String, View> views = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LocalBreaker> local = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private volatile long redisDownUntilNanos;

    /** @param redis the shared Redis, or null to keep breakers per replica only */
    public CircuitBreakers(Vertx vertx, Redis redis, String keyPrefix, CircuitSettings settings) {
        this.vertx = vertx;
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.settings = settings;
        this.sha = sha1(SCRIPT);
    }

    public CircuitSettings settings() {
        return settings;
    }

    /** Whether this kind of failure counts against the upstream. */
    public boolean counts(ErrorKind kind) {
        return settings.enabled() && settings.countOn().contains(kind);
    }

    /** May a call go to {@code d} now? Never fails: when in doubt, the answer is yes. */
    public Future<Boolean> allow(Deployment d) {
        if (!settings.enabled()) {
            return Future.succeededFuture(true);
        }
        View v = views.get(d.id());
        long now = System.nanoTime();
        if (v != null && v.trustedUntilNanos - now > 0) {
            return Future.succeededFuture(v.allowed);
        }
        if (v != null && v.state.equals("closed") && !settings.stateRefresh().isZero()) {
            if (refreshing.add(d.id())) {
                run(d, "peek").onComplete(ignored -> refreshing.remove(d.id()));
            }
            return Future.succeededFuture(true);
        }
        return run(d, "allow").map(CircuitState::allowed);
    }

    /** Records the outcome of a call to {@code d}; returns the breaker's state after it (tests read it). */
    public Future<CircuitState> record(Deployment d, boolean success) {
        if (!settings.enabled()) {
            return Future.succeededFuture(new CircuitState("closed", true, 0, 0));
        }
        if (success) {
            View v = views.get(d.id());
            if (v == null || v.state.equals("closed")) {
                return Future.succeededFuture(new CircuitState("closed", true, v == null ? 0 : v.failures, 0));
            }
        }
        return run(d, success ? "success" : "failure");
    }

    /** The breaker's state as Redis (or the local fallback) sees it, without changing it. */
    public Future<CircuitState> state(Deployment d) {
        if (redisDown()) {
            return Future.succeededFuture(localBreaker(d).apply("peek", -1));
        }
        return redis.send(Request.cmd(Command.HMGET).arg(key(d)).arg("state").arg("fails"))
                .map(r -> new CircuitState(r.get(0) == null ? "closed" : r.get(0).toString(), true,
                        r.get(1) == null ? 0 : r.get(1).toLong(), 0));
    }

    private Future<CircuitState> run(Deployment d, String op) {
        if (redis == null || redisDown()) {
            return Future.succeededFuture(remember(d, localBreaker(d).apply(op, System.currentTimeMillis()), true));
        }
        Promise<CircuitState> promise = Promise.promise();
        long timer = vertx.setTimer(settings.redisTimeout().toMillis(), t ->
                promise.tryFail(new TimeoutException("no answer within " + settings.redisTimeout().toMillis() + " ms")));
        eval(d, op).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                Response r = ar.result();
                promise.tryComplete(new CircuitState(r.get(0).toString(), r.get(1).toInteger() == 1,
                        r.get(2).toLong(), r.get(3).toLong()));
            } else {
                promise.tryFail(ar.cause());
            }
        });
        return promise.future().map(state -> {
            local.remove(d.id()); // Redis is back: its state is the one that counts
            return remember(d, state, false);
        }).recover(e -> {
            if (!redisDown()) {
                Log.warnf("circuit state in Redis unavailable (%s); breakers are per replica for %d ms",
                        e.getMessage(), settings.redisRetry().toMillis());
            }
            redisDownUntilNanos = System.nanoTime() + settings.redisRetry().toNanos();
            return Future.succeededFuture(remember(d, localBreaker(d).apply(op, System.currentTimeMillis()), true));
        });
    }

    private Future<Response> eval(Deployment d, String op) {
        String[] args = {String.valueOf(settings.failureThreshold()), String.valueOf(settings.window().toMillis()),
                String.valueOf(settings.coolDown().toMillis()), String.valueOf(settings.probeTimeout().toMillis())};
        Request evalsha = Request.cmd(Command.EVALSHA).arg(sha).arg(1).arg(key(d)).arg(op);
        for (String a : args) {
            evalsha.arg(a);
        }
        return redis.send(evalsha).recover(e -> {
            if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                return Future.failedFuture(e);
            }
            // first use, or Redis restarted and lost its script cache: send the script itself
            Request eval = Request.cmd(Command.EVAL).arg(SCRIPT).arg(1).arg(key(d)).arg(op);
            for (String a : args) {
                eval.arg(a);
            }
            return redis.send(eval);
        });
    }

    /** Keeps this replica's view; one taken from the local fallback is trusted only until Redis is tried again. */
    private CircuitState remember(Deployment d, CircuitState s, boolean local) {
        long now = System.nanoTime();
        long trust = s.state().equals("closed") ? settings.stateRefresh().toNanos()
                : s.allowed() ? 0 : s.remainingMs() * 1_000_000L; // an open breaker stays open until its cool-down ends
        if (local && redis != null) {
            trust = Math.min(trust, Math.max(0, redisDownUntilNanos - now));
        }
        views.put(d.id(), new View(s.state(), s.allowed(), s.failures(), now + trust));
        return s;
    }

    private LocalBreaker localBreaker(Deployment d) {
        return local.computeIfAbsent(d.id(), k -> new LocalBreaker(settings));
    }

    private boolean redisDown() {
        return redisDownUntilNanos - System.nanoTime() > 0;
    }

    private String key(Deployment d) {
        return keyPrefix + "circuit:" + d.id();
    }

    /** This replica's last view of a breaker. */
    private record View(String state, boolean allowed, long failures, long trustedUntilNanos) {
    }

    private static String script() {
        try (InputStream in = CircuitBreakers.class.getResourceAsStream("/lua/circuit.lua")) {
            if (in == null) {
                throw new IllegalStateException("lua/circuit.lua is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
