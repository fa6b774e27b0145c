package dev.llmops.router.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.grpc.Status;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Virtual-key lookups by hash with a small local cache in front of Redis. A cached key is trusted for a short TTL;
 * every change made through the {@link KeyStore} is published on a Redis channel that this class listens to, so a
 * revoke reaches every replica within milliseconds, and within the TTL (plus one read) even if that message is lost:
 * a known key past its TTL answers from the cache while one background read refreshes it, so no request waits for
 * Redis on a key it has seen (TTL zero: every lookup reads Redis, in turn). While Redis cannot be reached, a key seen
 * before keeps working from the cache for {@code stale-if-error}; an unseen one gets UNAVAILABLE.
 */
public class VirtualKeys {
    private record Cached(KeyRecord record, long loadedNanos) {
    }

    private final KeyStore store;
    private final Redis redis;
    private final Vertx vertx;
    private final long ttlNanos;
    private final long unknownTtlNanos;
    private final Cache<String, Cached> cache;
    /** Bumped by every invalidation, so a lookup that raced with one does not put back what was invalidated. */
    private final AtomicLong generation = new AtomicLong();
    private final LongAdder staleServed = new LongAdder();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private volatile RedisConnection subscription;
    private volatile boolean subscribed;
    private volatile boolean stopped;

    public VirtualKeys(KeyStore store, Redis redis, Vertx vertx, Duration ttl, Duration unknownTtl,
                       Duration staleIfError, int maxEntries) {
        this.store = store;
        this.redis = redis;
        this.vertx = vertx;
        this.ttlNanos = ttl.toNanos();
        this.unknownTtlNanos = unknownTtl.toNanos();
        this.cache = Caffeine.newBuilder().maximumSize(maxEntries)
                .expireAfterWrite(staleIfError.compareTo(ttl) > 0 ? staleIfError : ttl).build();
    }

    /** The stored record for a key hash, or null when there is none; UNAVAILABLE when Redis cannot say. */
    public Uni<KeyRecord> find(String sha256) {
        Cached cached = cache.getIfPresent(sha256);
        long now = System.nanoTime();
        if (cached != null && now - cached.loadedNanos() < (cached.record() == null ? unknownTtlNanos : ttlNanos)) {
            return Uni.createFrom().item(cached.record());
        }
        if (cached != null && cached.record() != null && ttlNanos > 0) {
            // a known key past its TTL answers from the last read while one background read refreshes it
            if (refreshing.add(sha256)) {
                load(sha256, cached, now).subscribe().with(r -> refreshing.remove(sha256), e -> refreshing.remove(sha256));
            }
            return Uni.createFrom().item(cached.record());
        }
        return load(sha256, cached, now);
    }

    private Uni<KeyRecord> load(String sha256, Cached cached, long now) {
        long seen = generation.get();
        return store.lookup(sha256)
                .invoke(record -> {
                    if (generation.get() == seen) {
                        cache.put(sha256, new Cached(record, now));
                    }
                })
                .onFailure().recoverWithUni(e -> {
                    if (cached != null && cached.record() != null) {
                        staleServed.increment();
                        Log.warnf("key store unavailable (%s); key %s served from the local cache",
                                e.getMessage(), cached.record().keyId());
                        return Uni.createFrom().item(cached.record());
                    }
                    return Uni.createFrom().failure(Status.UNAVAILABLE.withDescription(
                            "the key store is unavailable, so this API key cannot be checked now; retry shortly")
                            .withCause(e).asRuntimeException());
                });
    }

    /** Drops one hash from this replica's cache. */
    public void invalidate(String sha256) {
        generation.incrementAndGet();
        cache.invalidate(sha256);
    }

    public void invalidateAll() {
        generation.incrementAndGet();
        cache.invalidateAll();
    }

    /** True while the invalidation channel is subscribed. */
    public boolean subscribed() {
        return subscribed;
    }

    /** Lookups answered from the cache because Redis failed. */
    public long staleServed() {
        return staleServed.sum();
    }

    /** Subscribes to the invalidation channel on a connection of its own, reconnecting every second while lost. */
    public void start() {
        stopped = false;
        redis.connect().subscribe().with(this::subscribe, e -> {
            Log.warnf("cannot subscribe to key invalidations (%s); retrying in 1 s", e.getMessage());
            retryLater();
        });
    }

    public void stop() {
        stopped = true;
        subscribed = false;
        RedisConnection c = subscription;
        if (c != null) {
            c.closeAndForget();
        }
    }

    private void subscribe(RedisConnection connection) {
        if (stopped) {
            connection.closeAndForget();
            return;
        }
        subscription = connection;
        connection.handler(this::onMessage);
        connection.exceptionHandler(e -> lost(connection, e.getMessage()));
        connection.endHandler(() -> lost(connection, "connection closed"));
        connection.send(Request.cmd(Command.SUBSCRIBE).arg(store.invalidationChannel())).subscribe().with(ok -> {
            // messages may have been missed while not subscribed: forget everything once
            invalidateAll();
            subscribed = true;
        }, e -> lost(connection, e.getMessage()));
    }

    private void lost(RedisConnection connection, String why) {
        if (subscription != connection) {
            return;
        }
        subscription = null;
        subscribed = false;
        connection.closeAndForget();
        if (!stopped) {
            Log.warnf("key invalidation subscription lost (%s); cached keys expire within their TTL; resubscribing", why);
            retryLater();
        }
    }

    private void retryLater() {
        if (!stopped) {
            vertx.setTimer(1000, t -> start());
        }
    }

    private void onMessage(Response message) {
        if (message == null || message.size() < 3 || !"message".equals(message.get(0).toString())) {
            return;
        }
        for (String sha : message.get(2).toString().split(",")) {
            if (!sha.isEmpty()) {
                invalidate(sha);
            }
        }
    }
}
