package dev.llmops.cache.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run with EVALSHA (one round trip, no script text on the wire), falling back to EVAL when the
 * server does not know it yet (fresh or restarted Redis), which also loads it. Every key it touches is passed
 * in KEYS, and callers pass keys of one hash slot only, so it also runs on Redis Cluster.
 */
public final class RedisScript {
    private final String source;
    private final String sha1;

    public RedisScript(String source) {
        this.source = source;
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            this.sha1 = HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java runtime", e);
        }
    }

    /** Arguments are String, byte[] or Long. */
    public Uni<Response> run(Redis redis, List<String> keys, List<Object> args) {
        return redis.send(request(Command.EVALSHA, sha1, keys, args))
                .onFailure(RedisScript::isNoScript)
                .recoverWithUni(() -> redis.send(request(Command.EVAL, source, keys, args)));
    }

    private static boolean isNoScript(Throwable t) {
        return t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT");
    }

    private static Request request(Command cmd, String script, List<String> keys, List<Object> args) {
        Request r = Request.cmd(cmd).arg(script).arg(keys.size());
        for (String k : keys) {
            r.arg(k);
        }
        for (Object a : args) {
            if (a instanceof byte[] b) {
                r.arg(b);
            } else if (a instanceof Long l) {
                r.arg(l.longValue());
            } else {
                r.arg(a.toString());
            }
        }
        return r;
    }
}
