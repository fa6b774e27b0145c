package dev.llmops.router.limits;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run by its SHA-1 (EVALSHA), falling back to EVAL when Redis lost its script cache (a restart or
 * SCRIPT FLUSH), with a deadline so a hung Redis fails the call instead of the request.
 */
public final class RedisScript {
    private final String body;
    private final String sha;

    public RedisScript(String body) {
        this.body = body;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JVM", e);
        }
    }

    public Uni<Response> run(Redis redis, Duration timeout, List<String> keys, List<String> args) {
        return onCallerContext(redis.send(request(Command.EVALSHA, sha, keys, args))
                .onFailure(e -> String.valueOf(e.getMessage()).startsWith("NOSCRIPT"))
                .recoverWithUni(() -> redis.send(request(Command.EVAL, body, keys, args)))
                .ifNoItem().after(timeout).failWith(() -> new RedisTimeoutException(
                        "Redis did not answer within " + timeout.toMillis() + " ms")));
    }

    /**
     * Delivers the result on the Vert.x context that made the call (the request's event loop), so what follows
     * (the pipeline, the HTTP response) stays on the request's own thread whatever thread Redis answered on.
     */
    public static <T> Uni<T> onCallerContext(Uni<T> uni) {
        Context caller = Vertx.currentContext();
        if (caller == null) {
            return uni;
        }
        return uni.emitOn(task -> {
            if (Vertx.currentContext() == caller) {
                task.run();
            } else {
                caller.runOnContext(v -> task.run());
            }
        });
    }

    private static Request request(Command command, String script, List<String> keys, List<String> args) {
        Request r = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return r;
    }

    /** Redis took too long; callers treat it like any other Redis failure. */
    public static final class RedisTimeoutException extends RuntimeException {
        public RedisTimeoutException(String message) {
            super(message);
        }
    }
}
