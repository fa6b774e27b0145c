package dev.llmops.cache.repository;

import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.RedisKeyConfig;
import dev.llmops.cache.config.SemanticConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Semantic-tier entries in Redis; each replica's vector index is derived from them.
 * <ul>
 * <li>{@code <prefix>sem:{<tenant>}:<hash>}: hash with {@code v} (vector, 384 float32 little-endian),
 * {@code s} (scope hex), {@code q} (the embedded text, for the second stage), {@code a} ({@code CachedAnswer}
 * bytes), {@code x} (expiry, ms); the entry's TTL.</li>
 * <li>{@code <prefix>sem:{<tenant>}:ids}: sorted set of the tenant's hashes scored by expiry (pruned on store).</li>
 * <li>{@code <prefix>sem:tenants}: set of tenants that have semantic entries (rebuild starts here).</li>
 * <li>{@code <prefix>sem:changes}: stream of changes ({@code o}=a add, d delete, t whole tenant; {@code t}
 * tenant; {@code h} hash), trimmed to about {@code stream-max-length}; replicas follow it.</li>
 * </ul>
 */
@ApplicationScoped
public class SemanticCacheRepository {

    // KEYS[1] entry, KEYS[2] ids; ARGV v s q a ttl hash
    private static final RedisScript PUT = new RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[5])
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2], 'q', ARGV[3], 'a', ARGV[4], 'x', now + ttl)
            redis.call('PEXPIRE', KEYS[1], ttl)
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            redis.call('ZADD', KEYS[2], now + ttl, ARGV[6])
            if redis.call('PTTL', KEYS[2]) < ttl then
              redis.call('PEXPIRE', KEYS[2], ttl)
            end
            return now + ttl
            """);

    // KEYS[1] ids, KEYS[2..] entries; ARGV their hashes. Returns how many entries existed.
    private static final RedisScript DELETE = new RedisScript("""
            local removed = redis.call('DEL', unpack(KEYS, 2))
            redis.call('ZREM', KEYS[1], unpack(ARGV))
            return removed
            """);

    private final Redis redis;
    private final String prefix;
    private final Duration timeout;
    private final long streamMax;

    @Inject
    public SemanticCacheRepository(ReactiveRedisDataSource ds, RedisKeyConfig keys, CacheConfig config,
            SemanticConfig semantic) {
        this(ds.getRedis(), keys.keyPrefix(), config.redisTimeout(), semantic.streamMaxLength());
    }

    public SemanticCacheRepository(Redis redis, String prefix, Duration timeout, long streamMax) {
        this.redis = redis;
        this.prefix = prefix;
        this.timeout = timeout;
        this.streamMax = streamMax;
    }

    public String entryKey(String tenant, String hash) {
        return prefix + "sem:{" + tenant + "}:" + hash;
    }

    public String idsKey(String tenant) {
        return prefix + "sem:{" + tenant + "}:ids";
    }

    public String tenantsKey() {
        return prefix + "sem:tenants";
    }

    public String streamKey() {
        return prefix + "sem:changes";
    }

    /** Stores the entry and announces it; returns its expiry time (ms, Redis clock). */
    public Uni<Long> put(String tenant, String hash, String scope, float[] vector, String text, byte[] answer,
            Duration ttl) {
        List<String> keys = List.of(entryKey(tenant, hash), idsKey(tenant));
        List<Object> args = List.of(toBytes(vector), scope, text, answer, Math.max(1L, ttl.toMillis()), hash);
        return bounded(PUT.run(redis, keys, args)).map(Response::toLong)
                .call(() -> bounded(redis.batch(List.of(
                        Request.cmd(Command.SADD).arg(tenantsKey()).arg(tenant),
                        change("a", tenant, hash)))));
    }

    /** For each hash: [answer bytes, text] or null when the entry is gone. One round trip. */
    public Uni<List<Stored>> answers(String tenant, List<String> hashes) {
        List<Request> reqs = new ArrayList<>(hashes.size());
        for (String h : hashes) {
            reqs.add(Request.cmd(Command.HMGET).arg(entryKey(tenant, h)).arg("a").arg("q"));
        }
        return bounded(redis.batch(reqs)).map(rs -> {
            List<Stored> out = new ArrayList<>(rs.size());
            for (Response r : rs) {
                Response a = r.get(0);
                Response q = r.get(1);
                out.add(a == null || q == null ? null : new Stored(a.toBytes(), q.toString()));
            }
            return out;
        });
    }

    /** Deletes entries of one tenant and, when any existed, announces it; returns how many existed. */
    public Uni<Long> delete(String tenant, List<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        List<String> keys = new ArrayList<>(hashes.size() + 1);
        keys.add(idsKey(tenant));
        for (String h : hashes) {
            keys.add(entryKey(tenant, h));
        }
        List<Request> changes = new ArrayList<>(hashes.size());
        for (String h : hashes) {
            changes.add(change("d", tenant, h));
        }
        return bounded(DELETE.run(redis, keys, new ArrayList<Object>(hashes))).map(Response::toLong)
                .call(removed -> removed == 0 ? Uni.createFrom().voidItem() : bounded(redis.batch(changes)));
    }

    /** Up to count hashes of the tenant (live or just expired). */
    public Uni<List<String>> hashes(String tenant, int count) {
        return bounded(redis.send(Request.cmd(Command.ZRANGE).arg(idsKey(tenant)).arg(0).arg(count - 1)))
                .map(SemanticCacheRepository::strings);
    }

    public Uni<List<String>> tenants() {
        return bounded(redis.send(Request.cmd(Command.SMEMBERS).arg(tenantsKey())))
                .map(SemanticCacheRepository::strings);
    }

    /** The index data of these entries (null where gone). One round trip. */
    public Uni<List<Vector>> vectors(String tenant, List<String> hashes) {
        List<Request> reqs = new ArrayList<>(hashes.size());
        for (String h : hashes) {
            reqs.add(Request.cmd(Command.HMGET).arg(entryKey(tenant, h)).arg("v").arg("s").arg("x"));
        }
        return bounded(redis.batch(reqs)).map(rs -> {
            List<Vector> out = new ArrayList<>(rs.size());
            for (int i = 0; i < rs.size(); i++) {
                Response r = rs.get(i);
                Response v = r.get(0);
                Response s = r.get(1);
                Response x = r.get(2);
                out.add(v == null || s == null || x == null ? null
                        : new Vector(tenant, hashes.get(i), s.toString(), fromBytes(v.toBytes()), x.toLong()));
            }
            return out;
        });
    }

    /** Every hash of the tenant's index with its expiry, for a rebuild. */
    public Uni<List<String>> allHashes(String tenant) {
        return bounded(redis.send(Request.cmd(Command.ZRANGE).arg(idsKey(tenant)).arg(0).arg(-1)))
                .map(SemanticCacheRepository::strings);
    }

    /** The id of the newest change, or "0-0" when there is none. */
    public Uni<String> lastChangeId() {
        return bounded(redis.send(Request.cmd(Command.XREVRANGE).arg(streamKey()).arg("+").arg("-").arg("COUNT")
                .arg(1))).map(r -> r == null || r.size() == 0 ? "0-0" : r.get(0).get(0).toString());
    }

    /** Changes after the given id, oldest first. */
    public Uni<List<Change>> changesAfter(String id, int count) {
        return bounded(redis.send(Request.cmd(Command.XREAD).arg("COUNT").arg(count).arg("STREAMS")
                .arg(streamKey()).arg(id))).map(r -> {
                    List<Change> out = new ArrayList<>();
                    if (r == null) {
                        return out;
                    }
                    Response entries = streamEntries(r, streamKey());
                    for (Response e : entries) {
                        Response fields = e.get(1);
                        String op = null;
                        String tenant = null;
                        String hash = "";
                        for (int i = 0; i + 1 < fields.size(); i += 2) {
                            String f = fields.get(i).toString();
                            String v = fields.get(i + 1).toString();
                            switch (f) {
                                case "o" -> op = v;
                                case "t" -> tenant = v;
                                case "h" -> hash = v;
                                default -> { }
                            }
                        }
                        out.add(new Change(e.get(0).toString(), op, tenant, hash));
                    }
                    return out;
                });
    }

    /** Announces that every entry of the tenant is gone. */
    public Uni<Void> announceTenantCleared(String tenant) {
        return bounded(redis.send(change("t", tenant, ""))).replaceWithVoid();
    }

    /** The server's run_id: it changes when Redis restarts (and, on these machines, comes back empty). */
    public Uni<String> runId() {
        return bounded(redis.send(Request.cmd(Command.INFO).arg("server"))).map(r -> {
            for (String line : r.toString().split("\r?\n")) {
                if (line.startsWith("run_id:")) {
                    return line.substring(7).trim();
                }
            }
            return "";
        });
    }

    /** RESP3 answers XREAD with a map (stream -> entries), RESP2 with [[stream, entries]]. */
    private static Response streamEntries(Response r, String key) {
        try {
            if (r.containsKey(key)) {
                return r.get(key);
            }
        } catch (RuntimeException notAMap) {
            // RESP2 array: fall through
        }
        return r.get(0).get(1);
    }

    private Request change(String op, String tenant, String hash) {
        return Request.cmd(Command.XADD).arg(streamKey()).arg("MAXLEN").arg("~").arg(streamMax).arg("*")
                .arg("o").arg(op).arg("t").arg(tenant).arg("h").arg(hash);
    }

    private static List<String> strings(Response r) {
        List<String> out = new ArrayList<>(r == null ? 0 : r.size());
        if (r != null) {
            for (Response m : r) {
                out.add(m.toString());
            }
        }
        return out;
    }

    static byte[] toBytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static float[] fromBytes(byte[] bytes) {
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private <T> Uni<T> bounded(Uni<T> call) {
        return call.ifNoItem().after(timeout).failWith(() -> new ExactCacheRepository.RedisTimeoutException(
                "Redis did not answer within " + timeout.toMillis() + " ms"));
    }

    public record Stored(byte[] answer, String text) {
    }

    public record Vector(String tenant, String hash, String scope, float[] vector, long expiresAtMs) {
    }

    public record Change(String id, String op, String tenant, String hash) {
    }
}
