package dev.llmops.cache.repository;

import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.RedisKeyConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What every tier's entries share, to invalidate by tag, source document and age, and to bound a tenant's size:
 * <ul>
 * <li>{@code <prefix>meta:{<tenant>}:created}: sorted set of the tenant's keys scored by creation time (ms).</li>
 * <li>{@code <prefix>meta:{<tenant>}:tag:<tag>} and {@code ...:doc:<document id>}: sets of keys.</li>
 * </ul>
 * All expire after {@code max-ttl} without writes; members outlive their entries at most that long, and
 * invalidating a gone key just counts 0.
 */
@ApplicationScoped
public class EntryMetaRepository {

    // KEYS[1] created, KEYS[2..] tag/doc sets; ARGV[1] hash, ARGV[2] created ms, ARGV[3] max ttl ms,
    // ARGV[4] max entries. Returns the keys evicted (oldest first) to keep the tenant within max entries.
    private static final RedisScript RECORD = new RedisScript("""
            local ttl = tonumber(ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - ttl)
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ttl)
            for i = 2, #KEYS do
              redis.call('SADD', KEYS[i], ARGV[1])
              redis.call('PEXPIRE', KEYS[i], ttl)
            end
            local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
            if over > 0 then
              local out = {}
              for _, v in ipairs(redis.call('ZPOPMIN', KEYS[1], over)) do
                if _ % 2 == 1 then table.insert(out, v) end
              end
              return out
            end
            return {}
            """);

    private final Redis redis;
    private final String prefix;
    private final Duration timeout;
    private final Duration maxTtl;

    @jakarta.inject.Inject
    public EntryMetaRepository(ReactiveRedisDataSource ds, RedisKeyConfig keys, CacheConfig config) {
        this(ds.getRedis(), keys.keyPrefix(), config.redisTimeout(), config.maxTtl());
    }

    /** For tests that point it at another Redis. */
    public EntryMetaRepository(Redis redis, String prefix, Duration timeout, Duration maxTtl) {
        this.redis = redis;
        this.prefix = prefix;
        this.timeout = timeout;
        this.maxTtl = maxTtl;
    }

    public String createdKey(String tenant) {
        return prefix + "meta:{" + tenant + "}:created";
    }

    public String tagKey(String tenant, String tag) {
        return prefix + "meta:{" + tenant + "}:tag:" + tag;
    }

    public String docKey(String tenant, String doc) {
        return prefix + "meta:{" + tenant + "}:doc:" + doc;
    }

    /** Records a stored entry; returns the keys that must be evicted to respect maxEntries. */
    public Uni<List<String>> record(String tenant, String hash, long createdMs, List<String> tags,
            List<String> docs, long maxEntries) {
        List<String> keys = new ArrayList<>(1 + tags.size() + docs.size());
        keys.add(createdKey(tenant));
        tags.forEach(t -> keys.add(tagKey(tenant, t)));
        docs.forEach(d -> keys.add(docKey(tenant, d)));
        return bounded(RECORD.run(redis, keys, List.of(hash, createdMs, maxTtl.toMillis(), maxEntries)))
                .map(EntryMetaRepository::strings);
    }

    /** Keys stored with any of these tags or documents. */
    public Uni<List<String>> tagged(String tenant, List<String> tags, List<String> docs) {
        if (tags.isEmpty() && docs.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Request r = Request.cmd(Command.SUNION);
        tags.forEach(t -> r.arg(tagKey(tenant, t)));
        docs.forEach(d -> r.arg(docKey(tenant, d)));
        return bounded(redis.send(r)).map(EntryMetaRepository::strings);
    }

    /** Keys created before the time. */
    public Uni<List<String>> createdBefore(String tenant, long unixMs) {
        return bounded(redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(createdKey(tenant)).arg("-inf")
                .arg("(" + unixMs))).map(EntryMetaRepository::strings);
    }

    public Uni<Void> forget(String tenant, List<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Request r = Request.cmd(Command.ZREM).arg(createdKey(tenant));
        hashes.forEach(r::arg);
        return bounded(redis.send(r)).replaceWithVoid();
    }

    public Uni<Void> forgetTenant(String tenant) {
        return bounded(redis.send(Request.cmd(Command.DEL).arg(createdKey(tenant)))).replaceWithVoid();
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

    private <T> Uni<T> bounded(Uni<T> call) {
        return call.ifNoItem().after(timeout).failWith(() -> new ExactCacheRepository.RedisTimeoutException(
                "Redis did not answer within " + timeout.toMillis() + " ms"));
    }
}
