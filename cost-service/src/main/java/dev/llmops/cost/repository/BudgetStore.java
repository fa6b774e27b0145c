package dev.llmops.cost.repository;

import dev.llmops.cost.Budget;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.config.RedisKeyConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Budgets and reservations in Redis, changed only by Lua scripts so every replica sees one atomic step. All keys
 * of one tenant share the hash tag {@code {tenant-id}}, so one script reserves on every budget of a request
 * (tenant, team, key, end user) in a single cluster slot.
 */
@ApplicationScoped
public class BudgetStore {

    /** A budget script's answer as raw integers (see the script's header for their meaning). */
    public record ScriptResult(long[] values) {
        public long get(int i) {
            return values[i];
        }
    }

    private final ReactiveRedisDataSource redis;
    private final String prefix;
    private final CostConfig config;
    private final Script reserve;
    private final Script settle;
    private final Script release;

    public BudgetStore(ReactiveRedisDataSource redis, RedisKeyConfig keys, CostConfig config) {
        this.redis = redis;
        this.prefix = keys.keyPrefix();
        this.config = config;
        String prune = resource("lua/prune.lua");
        this.reserve = new Script(prune + resource("lua/reserve.lua"));
        this.settle = new Script(prune + resource("lua/settle.lua"));
        this.release = new Script(prune + resource("lua/release.lua"));
    }

    public String prefix() {
        return prefix;
    }

    /** The counter of one budget for the period holding {@code at}. */
    public String budgetKey(String tenant, Budget b, Instant at) {
        return prefix + "b:{" + tenant + "}:" + b.id() + ":" + b.period().tag(at);
    }

    /**
     * @param ttlMs how long the reservation holds; 0 = llmops.cost.budgets.reservation-ttl
     * @param replace swap the request's existing reservation for this one in one step (see reserve.lua)
     */
    public Uni<ScriptResult> reserve(String tenant, String requestId, long amountNanos, List<Budget> budgets,
            Instant at, long ttlMs, boolean replace) {
        long ttl = ttlMs > 0 ? ttlMs : config.budgets().reservationTtl().toMillis();
        List<String> args = new ArrayList<>(List.of(Long.toString(amountNanos), Long.toString(Math.max(1, ttl)),
                replace ? "1" : "0"));
        for (Budget b : budgets) {
            args.add(Long.toString(b.limitNanos()));
            args.add(b.hard() ? "1" : "0");
            args.add(Long.toString(b.period().keepSeconds()));
        }
        return run(reserve, tenant, requestId, budgetKeys(tenant, budgets, at), args);
    }

    public Uni<ScriptResult> settle(String tenant, String requestId, long costNanos, List<Budget> budgets,
            Instant at) {
        List<String> args = new ArrayList<>(List.of(Long.toString(costNanos),
                Long.toString(Math.max(1, config.budgets().settledTtl().toMillis()))));
        for (Budget b : budgets) {
            args.add(Long.toString(b.limitNanos()));
            args.add(Long.toString(b.period().keepSeconds()));
        }
        return run(settle, tenant, requestId, budgetKeys(tenant, budgets, at), args);
    }

    public Uni<ScriptResult> release(String tenant, String requestId) {
        return run(release, tenant, requestId, List.of(), List.of());
    }

    /** @return {spent, reserved} of one counter (0 when it does not exist) */
    public Uni<long[]> counter(String key) {
        return redis.execute("HMGET", key, "spent", "reserved").map(r -> new long[] {
            r.get(0) == null ? 0 : r.get(0).toLong(), r.get(1) == null ? 0 : r.get(1).toLong()});
    }

    /** Sets {@code spent} of the given counters (reconciliation from the ledger); other fields stay. */
    public Uni<Void> setSpent(Map<String, Long> spentByKey) {
        List<Uni<Response>> writes = new ArrayList<>();
        spentByKey.forEach((k, v) -> writes.add(redis.execute("HSET", k, "spent", Long.toString(v))));
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    /** Sets a counter's expiry (seconds) when it has none. */
    public Uni<Void> keep(String key, long seconds) {
        return seconds <= 0 ? Uni.createFrom().voidItem()
                : redis.execute("EXPIRE", key, Long.toString(seconds), "NX").replaceWithVoid();
    }

    private List<String> budgetKeys(String tenant, List<Budget> budgets, Instant at) {
        List<String> keys = new ArrayList<>(budgets.size());
        for (Budget b : budgets) {
            keys.add(budgetKey(tenant, b, at));
        }
        return keys;
    }

    private Uni<ScriptResult> run(Script script, String tenant, String requestId, List<String> budgetKeys,
            List<String> extraArgs) {
        String tag = "{" + tenant + "}";
        List<String> args = new ArrayList<>(8 + budgetKeys.size() + extraArgs.size());
        args.add(Integer.toString(3 + budgetKeys.size()));
        args.add(prefix + "resexp:" + tag);
        args.add(prefix + "res:" + tag);
        args.add(prefix + "settled:" + tag + ":" + requestId);
        args.addAll(budgetKeys);
        args.add(requestId);
        args.addAll(extraArgs);
        List<String> withSha = new ArrayList<>(args.size() + 1);
        withSha.add(script.sha);
        withSha.addAll(args);
        return redis.execute("EVALSHA", withSha.toArray(String[]::new))
                .onFailure(e -> String.valueOf(e.getMessage()).startsWith("NOSCRIPT"))
                .recoverWithUni(() -> {
                    // Redis lost its script cache (restart or SCRIPT FLUSH): EVAL loads it again.
                    List<String> withBody = new ArrayList<>(args.size() + 1);
                    withBody.add(script.body);
                    withBody.addAll(args);
                    return redis.execute("EVAL", withBody.toArray(String[]::new));
                })
                .ifNoItem().after(config.redisTimeout()).failWith(() -> new RedisTimeoutException(
                        "Redis did not answer within " + config.redisTimeout().toMillis() + " ms"))
                .map(BudgetStore::toLongs);
    }

    private static ScriptResult toLongs(Response response) {
        long[] values = new long[response.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = response.get(i).toLong();
        }
        return new ScriptResult(values);
    }

    /** Redis took too long; the caller maps it, like any Redis failure, to UNAVAILABLE (or fails open). */
    public static final class RedisTimeoutException extends RuntimeException {
        RedisTimeoutException(String message) {
            super(message);
        }
    }

    private static String resource(String path) {
        try (InputStream in = BudgetStore.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static final class Script {
        final String body;
        final String sha;

        Script(String body) {
            this.body = body;
            try {
                this.sha = HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
