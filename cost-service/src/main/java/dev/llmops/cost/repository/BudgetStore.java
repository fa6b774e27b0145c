package dev.llmops.cost.repository;

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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Budgets and reservations in Redis, changed only by Lua scripts so every replica sees one atomic step.
 * All keys of one API key share the hash tag {@code {key-id}}, so each script touches one cluster slot.
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

    public Uni<ScriptResult> reserve(String keyId, String requestId, long amountNanos, long limitNanos) {
        return run(reserve, keyId, requestId, Long.toString(amountNanos), Long.toString(limitNanos),
                Long.toString(Math.max(1, config.budgets().reservationTtl().toMillis())));
    }

    public Uni<ScriptResult> settle(String keyId, String requestId, long costNanos) {
        return run(settle, keyId, requestId, Long.toString(costNanos),
                Long.toString(Math.max(1, config.budgets().settledTtl().toMillis())));
    }

    public Uni<ScriptResult> release(String keyId, String requestId) {
        return run(release, keyId, requestId);
    }

    /** Keys for one request: budget hash, expiry zset, amounts hash, reservation key, settled key. */
    List<String> keys(String keyId, String requestId) {
        String tag = "{" + keyId + "}";
        return List.of(prefix + "budget:" + tag, prefix + "resexp:" + tag, prefix + "resamt:" + tag,
                prefix + "res:" + tag + ":" + requestId, prefix + "settled:" + tag + ":" + requestId);
    }

    private Uni<ScriptResult> run(Script script, String keyId, String requestId, String... extraArgs) {
        List<String> keys = keys(keyId, requestId);
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(keys.size()));
        args.addAll(keys);
        args.add(requestId);
        args.addAll(List.of(extraArgs));
        List<String> withSha = new ArrayList<>(args);
        withSha.add(0, script.sha);
        return redis.execute("EVALSHA", withSha.toArray(String[]::new))
                .onFailure(e -> String.valueOf(e.getMessage()).startsWith("NOSCRIPT"))
                .recoverWithUni(() -> {
                    // Redis lost its script cache (restart or SCRIPT FLUSH): EVAL loads it again.
                    List<String> withBody = new ArrayList<>(args);
                    withBody.add(0, script.body);
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

    /** Redis took too long; the caller maps it, like any Redis failure, to UNAVAILABLE. */
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
