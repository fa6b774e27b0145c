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
 * invalidating a gone key just counts 0. They are written by the exact tier's store script, in the same call as
 * the entry ({@link ExactCacheRepository#put}).
 */
@ApplicationScoped
public class EntryMetaRepository {

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

    /**
     * What recording a stored entry needs: the keys it touches (the created set first, then the tag and document
     * sets, all in the tenant's hash slot), so a tier can record it in the same Lua call as its own write.
     */
    public Record recordOf(String tenant, long createdMs, List<String> tags, List<String> docs, long maxEntries) {
        List<String> keys = new ArrayList<>(1 + tags.size() + docs.size());
        keys.add(createdKey(tenant));
        tags.forEach(t -> keys.add(tagKey(tenant, t)));
        docs.forEach(d -> keys.add(docKey(tenant, d)));
        return new Record(keys, createdMs, maxTtl.toMillis(), maxEntries);
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

    /**
     * The metadata of one stored entry: keys (created set, then tag/document sets), creation time, how long the
     * sets are kept after the last write (max-ttl), and the tenant's size bound.
     */
    public record Record(List<String> keys, long createdMs, long keepMs, long maxEntries) {
    }

    private <T> Uni<T> bounded(Uni<T> call) {
        return call.ifNoItem().after(timeout).failWith(() -> new ExactCacheRepository.RedisTimeoutException(
                "Redis did not answer within " + timeout.toMillis() + " ms"));
    }
}
