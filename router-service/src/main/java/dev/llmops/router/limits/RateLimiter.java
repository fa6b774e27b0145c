package dev.llmops.router.limits;

import dev.llmops.router.auth.AccessConfig.FailurePolicy;
import io.grpc.Status;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests-per-minute and tokens-per-minute limits per key, shared by every router replica through Redis.
 *
 * <p>One Lua script checks and charges both counters atomically (both or neither), with Redis' own clock so
 * replicas' clocks do not matter. The window is a sliding-window counter: the current minute's count plus the
 * previous minute's, weighted by how much of it still lies in the last 60 s. That needs two numbers per counter
 * (one hash per key, hash-tagged by key id so a cluster keeps it in one slot), never lets the current minute exceed
 * the limit, and gives an exact wait for the retry hint. Tokens are reserved from an estimate before the call and
 * corrected with the real usage afterwards ({@link #correct}).
 */
public class RateLimiter {
    /** A decision. {@code window} identifies where the tokens were charged (-1: nothing was charged). */
    public record Decision(boolean allowed, long retryAfterMs, String exceeded, long window, long reservedTokens) {
        static Decision unchecked() {
            return new Decision(true, 0, "", -1, 0);
        }
    }

    private static final RedisScript ACQUIRE = new RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local W = tonumber(ARGV[1])
            local rpm, tpm, cost = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local win = math.floor(now / W)
            local elapsed = now - win * W
            local h = redis.call('HMGET', KEYS[1], 'w', 'rc', 'rp', 'tc', 'tp')
            local w = tonumber(h[1]) or win
            local rc, rp, tc, tp = tonumber(h[2]) or 0, tonumber(h[3]) or 0, tonumber(h[4]) or 0, tonumber(h[5]) or 0
            if w < win then
              if w == win - 1 then rp, tp = rc, tc else rp, tp = 0, 0 end
              rc, tc = 0, 0
            end
            local weight = (W - elapsed) / W
            -- milliseconds until cur + prev * weight + need fits the limit (prev decays linearly; at the next
            -- window cur becomes prev)
            local function wait(limit, cur, prev, need)
              if limit <= 0 or cur + prev * weight + need <= limit then return 0 end
              if cur + need <= limit then
                return math.max(1, math.ceil(W - W * (limit - cur - need) / prev - elapsed))
              end
              local later = 0
              if cur > 0 then later = math.max(0, W - W * (limit - need) / cur) end
              return math.max(1, math.ceil(W - elapsed + later))
            end
            local rw = wait(rpm, rc, rp, 1)
            local tw = wait(tpm, tc, tp, cost)
            if rw > 0 or tw > 0 then
              if rw >= tw then return {0, rw, 1, win} end
              return {0, tw, 2, win}
            end
            rc, tc = rc + 1, tc + cost
            redis.call('HSET', KEYS[1], 'w', win, 'rc', rc, 'rp', rp, 'tc', tc, 'tp', tp)
            redis.call('PEXPIRE', KEYS[1], 2 * W)
            return {1, 0, 0, win}
            """);

    /* Adds a (possibly negative) token correction to the window the reservation was charged to, never below 0. */
    private static final RedisScript CORRECT = new RedisScript("""
            local w = tonumber(redis.call('HGET', KEYS[1], 'w'))
            if not w then return 0 end
            local win, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
            local field = 'tc'
            if w == win + 1 then field = 'tp' elseif w > win + 1 then
              if delta < 0 then return 0 end
            end
            local v = (tonumber(redis.call('HGET', KEYS[1], field)) or 0) + delta
            if v < 0 then v = 0 end
            redis.call('HSET', KEYS[1], field, v)
            return 1
            """);

    private final Redis redis;
    private final String prefix;
    private final Duration timeout;
    private final FailurePolicy onRedisFailure;
    private final long windowMs;
    private final LongAdder redisFailures = new LongAdder();
    private final LongAdder deniedRpm = new LongAdder();
    private final LongAdder deniedTpm = new LongAdder();

    public RateLimiter(Redis redis, String prefix, Duration timeout, FailurePolicy onRedisFailure, Duration window) {
        this.redis = redis;
        this.prefix = prefix;
        this.timeout = timeout;
        this.onRedisFailure = onRedisFailure;
        this.windowMs = window.toMillis();
    }

    /**
     * Counts one request and reserves {@code tokens} (capped at the TPM limit, so one large request can always run
     * once the window is empty; its real usage is charged afterwards). Limits of 0 are not checked.
     */
    public Uni<Decision> acquire(String keyId, long rpm, long tpm, long tokens) {
        if (rpm <= 0 && tpm <= 0) {
            return Uni.createFrom().item(Decision.unchecked());
        }
        long reserve = tpm > 0 ? Math.max(0, Math.min(tokens, tpm)) : 0;
        return ACQUIRE.run(redis, timeout, List.of(key(keyId)), List.of(Long.toString(windowMs),
                        Long.toString(Math.max(0, rpm)), Long.toString(Math.max(0, tpm)), Long.toString(reserve)))
                .map(r -> count(decision(r, reserve)))
                .onFailure(e -> !(e instanceof io.grpc.StatusRuntimeException)).recoverWithUni(e -> {
                    redisFailures.increment();
                    if (onRedisFailure == FailurePolicy.OPEN) {
                        Log.warnf("rate limits not enforced for key %s: Redis unavailable (%s)", keyId, e.getMessage());
                        return Uni.createFrom().item(Decision.unchecked());
                    }
                    return Uni.createFrom().failure(Status.UNAVAILABLE.withDescription(
                            "rate-limit state is unavailable (Redis); retry shortly").withCause(e).asRuntimeException());
                });
    }

    /** Replaces a reservation with what was really used: {@code usedTokens - reservedTokens} is added. */
    public Uni<Void> correct(String keyId, Decision decision, long usedTokens) {
        long delta = usedTokens - decision.reservedTokens();
        if (decision.window() < 0 || delta == 0) {
            return Uni.createFrom().voidItem();
        }
        return CORRECT.run(redis, timeout, List.of(key(keyId)),
                        List.of(Long.toString(decision.window()), Long.toString(delta)))
                .onFailure().invoke(e -> {
                    redisFailures.increment();
                    Log.warnf("token correction of key %s lost (%s); the window ends within a minute anyway",
                            keyId, e.getMessage());
                })
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Decision count(Decision d) {
        if (!d.allowed()) {
            ("tpm".equals(d.exceeded()) ? deniedTpm : deniedRpm).increment();
        }
        return d;
    }

    /** Requests refused by the RPM limit. */
    public long deniedRpm() {
        return deniedRpm.sum();
    }

    /** Requests refused by the TPM limit. */
    public long deniedTpm() {
        return deniedTpm.sum();
    }

    /** Redis calls that failed (limits not enforced or refused, per the policy). */
    public long redisFailures() {
        return redisFailures.sum();
    }

    private static Decision decision(Response r, long reserved) {
        boolean allowed = r.get(0).toLong() == 1;
        String exceeded = switch (r.get(2).toInteger()) {
            case 1 -> "rpm";
            case 2 -> "tpm";
            default -> "";
        };
        return new Decision(allowed, r.get(1).toLong(), exceeded, allowed ? r.get(3).toLong() : -1,
                allowed ? reserved : 0);
    }

    String key(String keyId) {
        return prefix + "rl:{" + keyId + "}";
    }
}
