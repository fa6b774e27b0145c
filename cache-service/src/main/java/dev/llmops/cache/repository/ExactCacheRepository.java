package dev.llmops.cache.repository;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmops.cache.CacheKey;
import dev.llmops.cache.config.CacheConfig;
import dev.llmops.cache.config.RedisKeyConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import llmops.cache.v1.CachedAnswer;

/**
 * Exact-tier entries in Redis.
 * <ul>
 * <li>{@code <prefix>exact:{<tenant>}:<sha256>}: the {@code CachedAnswer} protobuf bytes, with a TTL.</li>
 * <li>{@code <prefix>tenant:{<tenant>}:keys}: sorted set of the tenant's hashes, scored by expiry time (ms, Redis
 * clock), so a store prunes members whose entry has expired and the index stays as small as the live entries.
 * Its own TTL is never shorter than the longest-lived entry it lists.</li>
 * </ul>
 * The {@code {tenant}} hash tag puts a tenant's keys in one cluster slot, which the scripts rely on.
 */
@ApplicationScoped
public class ExactCacheRepository {

    // KEYS[1] entry, KEYS[2] index, KEYS[3] created set, KEYS[4..] tag/doc sets; ARGV[1] value, ARGV[2] ttl ms,
    // ARGV[3] hash, ARGV[4] created ms, ARGV[5] how long the metadata is kept (max-ttl, ms), ARGV[6] max entries,
    // ARGV[7] the tenant's entry key prefix. Stores the entry, records it for Invalidate (tags, documents, age),
    // deletes this tier's copies of the entries evicted (oldest first) to keep the tenant within max entries and
    // returns their hashes (for the other tiers): one round trip per Store, a full tenant's included. The evicted
    // entries' keys are built here, not passed in KEYS: they carry the tenant's hash tag, so the same slot.
    private static final RedisScript PUT = new RedisScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[2])
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
            if redis.call('PTTL', KEYS[2]) < ttl then
              redis.call('PEXPIRE', KEYS[2], ttl)
            end
            local keep = tonumber(ARGV[5])
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[4]) - keep)
            redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
            redis.call('PEXPIRE', KEYS[3], keep)
            for i = 4, #KEYS do
              redis.call('SADD', KEYS[i], ARGV[3])
              redis.call('PEXPIRE', KEYS[i], keep)
            end
            local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
            if over > 0 then
              local out = {}
              for i, v in ipairs(redis.call('ZPOPMIN', KEYS[3], over)) do
                if i % 2 == 1 then
                  table.insert(out, v)
                  redis.call('DEL', ARGV[7] .. v)
                end
              end
              redis.call('ZREM', KEYS[2], unpack(out))
              return out
            end
            return {}
            """);

    // KEYS[1] index, KEYS[2..] entries; ARGV hashes of those entries. Returns how many entries existed.
    private static final RedisScript DELETE = new RedisScript("""
            local removed = redis.call('DEL', unpack(KEYS, 2))
            redis.call('ZREM', KEYS[1], unpack(ARGV))
            return removed
            """);

    private final Redis redis;
    private final String prefix;
    private final Duration timeout;

    @Inject
    public ExactCacheRepository(ReactiveRedisDataSource dataSource, RedisKeyConfig keys, CacheConfig config) {
        this(dataSource.getRedis(), keys.keyPrefix(), config.redisTimeout());
    }

    /** For tests that point the repository at another Redis (e.g. one that is down). */
    public ExactCacheRepository(Redis redis, String prefix, Duration timeout) {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("llmops.redis.key-prefix must not contain '{' or '}' (got '"
                    + prefix + "'): the tenant is the hash tag");
        }
        this.redis = redis;
        this.prefix = prefix;
        this.timeout = timeout;
    }

    public String entryKey(String tenantId, String hash) {
        return entryKeyPrefix(tenantId) + hash;
    }

    private String entryKeyPrefix(String tenantId) {
        return prefix + "exact:{" + tenantId + "}:";
    }

    public String indexKey(String tenantId) {
        return prefix + "tenant:{" + tenantId + "}:keys";
    }

    /**
     * The stored answer, or null when there is no live entry; fails with {@link UnreadableEntryException} when the
     * entry is not a {@code CachedAnswer} (not ours, or corrupted: serving it would be worse than a miss, and the
     * next Store overwrites it).
     */
    public Uni<CachedAnswer> get(CacheKey key) {
        return bounded(redis.send(Request.cmd(Command.GET).arg(entryKey(key.tenantId(), key.hash()))))
                .map(r -> r == null ? null : answerOf(key, r.toBytes()));
    }

    private static CachedAnswer answerOf(CacheKey key, byte[] bytes) {
        try {
            return CachedAnswer.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UnreadableEntryException("unreadable exact-cache entry of tenant " + key.tenantId() + " ("
                    + key.hash() + "): " + e.getMessage());
        }
    }

    /**
     * Stores the entry and records its metadata in one call; returns the hashes the tenant's size bound evicted,
     * already deleted from this tier (the caller removes them from the others).
     */
    public Uni<List<String>> put(CacheKey key, byte[] value, Duration ttl, EntryMetaRepository.Record meta) {
        List<String> keys = new ArrayList<>(2 + meta.keys().size());
        keys.add(entryKey(key.tenantId(), key.hash()));
        keys.add(indexKey(key.tenantId()));
        keys.addAll(meta.keys());
        List<Object> args = List.of(value, Math.max(1L, ttl.toMillis()), key.hash(), meta.createdMs(),
                meta.keepMs(), meta.maxEntries(), entryKeyPrefix(key.tenantId()));
        return bounded(PUT.run(redis, keys, args)).map(r -> {
            List<String> evicted = new ArrayList<>(r == null ? 0 : r.size());
            if (r != null) {
                for (Response member : r) {
                    evicted.add(member.toString());
                }
            }
            return evicted;
        });
    }

    /** Deletes the given entries of one tenant and their index members; returns how many entries were live. */
    public Uni<Long> delete(String tenantId, List<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        List<String> keys = new ArrayList<>(hashes.size() + 1);
        keys.add(indexKey(tenantId));
        for (String h : hashes) {
            keys.add(entryKey(tenantId, h));
        }
        return bounded(DELETE.run(redis, keys, new ArrayList<Object>(hashes))).map(Response::toLong);
    }

    /** Up to {@code count} hashes of the tenant's index (live or just expired). */
    public Uni<List<String>> indexedHashes(String tenantId, int count) {
        return bounded(redis.send(Request.cmd(Command.ZRANGE).arg(indexKey(tenantId)).arg(0).arg(count - 1)))
                .map(r -> {
                    List<String> out = new ArrayList<>(r == null ? 0 : r.size());
                    if (r != null) {
                        for (Response member : r) {
                            out.add(member.toString());
                        }
                    }
                    return out;
                });
    }

    private <T> Uni<T> bounded(Uni<T> call) {
        return call.ifNoItem().after(timeout)
                .failWith(() -> new RedisTimeoutException("Redis did not answer within " + timeout.toMillis() + " ms"));
    }

    /** An entry that is not a {@code CachedAnswer}: its readers treat it as a miss. */
    public static final class UnreadableEntryException extends RuntimeException {
        public UnreadableEntryException(String message) {
            super(message, null, false, false);
        }
    }

    /** Redis answered too slowly; the service maps it to UNAVAILABLE like any other outage. */
    public static final class RedisTimeoutException extends RuntimeException {
        public RedisTimeoutException(String message) {
            super(message, null, false, false);
        }
    }
}
