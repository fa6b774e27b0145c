package dev.llmops.router.auth;

import dev.llmops.router.limits.RedisScript;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Virtual keys in Redis, stored hashed. Layout under the router's key prefix P (all in one cluster slot through
 * the hash tag {@code {vkeys}}, so each script is atomic on a cluster too):
 * <ul>
 *   <li>{@code P{vkeys}:byid} hash: key id → {@link KeyRecord} JSON</li>
 *   <li>{@code P{vkeys}:hash:<sha256>} string: key id (with an expiry for a rotated key's grace period)</li>
 * </ul>
 * Every change publishes the affected hashes on {@code P vkeys:invalidate}, inside the same script, so every
 * replica drops them from its local cache at once.
 */
public class KeyStore {
    /** What a change does to one hash → key-id mapping, as the script's action argument. */
    public record Mapping(String action) {
        public static Mapping set() {
            return new Mapping("set");
        }

        public static Mapping delete() {
            return new Mapping("del");
        }

        /** Keep (or create) the mapping, gone after this many milliseconds. */
        public static Mapping expireAfter(long millis) {
            return new Mapping(Long.toString(Math.max(1, millis)));
        }
    }

    private static final RedisScript LOOKUP = new RedisScript("""
            local id = redis.call('GET', KEYS[1])
            if not id then return false end
            return redis.call('HGET', KEYS[2], id)
            """);

    /*
     * Compare-and-set of one record plus its hash mappings. ARGV: id, expected JSON ('' = must not exist), new JSON,
     * channel, invalidation payload, then one action per mapping key: 'set', 'del' or milliseconds to live.
     */
    private static final RedisScript REPLACE = new RedisScript("""
            local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
            if current ~= ARGV[2] then return 0 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
            for i = 2, #KEYS do
              local action = ARGV[i + 4]
              if action == 'set' then redis.call('SET', KEYS[i], ARGV[1])
              elseif action == 'del' then redis.call('DEL', KEYS[i])
              else redis.call('SET', KEYS[i], ARGV[1], 'PX', action) end
            end
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1
            """);

    private final Redis redis;
    private final String prefix;
    private final Duration timeout;

    public KeyStore(Redis redis, String prefix, Duration timeout) {
        this.redis = redis;
        this.prefix = prefix;
        this.timeout = timeout;
    }

    public String invalidationChannel() {
        return prefix + "vkeys:invalidate";
    }

    /** The record a key hash maps to, or null. */
    public Uni<KeyRecord> lookup(String sha256) {
        return LOOKUP.run(redis, timeout, List.of(hashKey(sha256), byIdKey()), List.of())
                .map(r -> r == null ? null : KeyRecord.fromJson(r.toString()));
    }

    public Uni<KeyRecord> get(String keyId) {
        return send(Request.cmd(Command.HGET).arg(byIdKey()).arg(keyId))
                .map(r -> r == null ? null : KeyRecord.fromJson(r.toString()));
    }

    /** Every stored record, revoked ones included, in no particular order. */
    public Uni<List<KeyRecord>> all() {
        return send(Request.cmd(Command.HVALS).arg(byIdKey())).map(r -> {
            List<KeyRecord> out = new ArrayList<>();
            if (r != null) {
                r.forEach(v -> out.add(KeyRecord.fromJson(v.toString())));
            }
            return out;
        });
    }

    /**
     * Writes {@code next} if the stored record is still {@code expected} (null: if there is none yet) and applies the
     * mapping changes, atomically; emits false when someone else changed the record first.
     */
    public Uni<Boolean> replace(KeyRecord expected, KeyRecord next, Map<String, Mapping> mappings) {
        Map<String, Mapping> ordered = new LinkedHashMap<>(mappings);
        List<String> keys = new ArrayList<>();
        keys.add(byIdKey());
        List<String> args = new ArrayList<>(List.of(next.keyId(), expected == null ? "" : expected.toJson(),
                next.toJson(), invalidationChannel(), String.join(",", invalidated(next, ordered))));
        ordered.forEach((sha, mapping) -> {
            keys.add(hashKey(sha));
            args.add(mapping.action());
        });
        return REPLACE.run(redis, timeout, keys, args).map(r -> r.toLong() == 1);
    }

    private static List<String> invalidated(KeyRecord next, Map<String, Mapping> mappings) {
        List<String> shas = new ArrayList<>(mappings.keySet());
        if (!shas.contains(next.sha256())) {
            shas.add(next.sha256());
        }
        return shas;
    }

    private Uni<Response> send(Request request) {
        return RedisScript.onCallerContext(redis.send(request).ifNoItem().after(timeout)
                .failWith(() -> new RedisScript.RedisTimeoutException(
                        "Redis did not answer within " + timeout.toMillis() + " ms")));
    }

    String byIdKey() {
        return prefix + "{vkeys}:byid";
    }

    String hashKey(String sha256) {
        return prefix + "{vkeys}:hash:" + sha256;
    }
}
