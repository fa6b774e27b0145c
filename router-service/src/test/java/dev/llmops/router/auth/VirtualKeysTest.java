package dev.llmops.router.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.admin.KeyAdminAccess;
import dev.llmops.router.limits.TestRedis;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key lookups through the local cache against the real Redis: two instances stand for two router replicas, each
 * with its own Redis client and cache.
 */
class VirtualKeysTest {
    TestRedis redis;
    KeyStore store;
    VirtualKeys replicaA;
    VirtualKeys replicaB;

    @BeforeEach
    void start() {
        redis = new TestRedis();
        store = new KeyStore(redis.client(), redis.prefix, Duration.ofSeconds(2));
        // a TTL far longer than the test: only the pub/sub invalidation can make a change visible in time
        replicaA = replica(redis, Duration.ofMinutes(10));
        replicaB = replica(redis, Duration.ofMinutes(10));
        waitUntil(() -> replicaA.subscribed() && replicaB.subscribed(), 5000);
    }

    @AfterEach
    void stop() {
        replicaA.stop();
        replicaB.stop();
        redis.close();
    }

    static VirtualKeys replica(TestRedis r, Duration ttl) {
        var client = r.client();
        VirtualKeys v = new VirtualKeys(new KeyStore(client, r.prefix, Duration.ofMillis(500)), client, r.vertx, ttl,
                Duration.ofSeconds(1), Duration.ofMinutes(10), 1000);
        v.start();
        return v;
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    ApiKeys.Principal authenticate(VirtualKeys replica, String apiKey) {
        String sha = ApiKeys.sha256(apiKey);
        return ApiKeys.check(await(replica.find(sha)), sha, System.currentTimeMillis());
    }

    @Test
    void aRevokeReachesEveryReplicaWithinASecond() {
        var admin = KeyAdminAccess.admin(store);
        String apiKey = KeyAdminAccess.create(admin, "rev", "acme", 5, 100);
        ApiKeys.Principal p = authenticate(replicaA, apiKey);
        assertEquals("rev", p.keyId());
        assertEquals("acme", p.tenantId());
        assertEquals(5, p.rpmLimit());
        authenticate(replicaB, apiKey); // both replicas now hold it in their cache

        long revokedAt = System.nanoTime();
        KeyAdminAccess.revoke(admin, "rev");
        for (VirtualKeys replica : List.of(replicaA, replicaB)) {
            waitUntil(() -> {
                try {
                    authenticate(replica, apiKey);
                    return false;
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
                    return true;
                }
            }, 1000);
        }
        long tookMs = (System.nanoTime() - revokedAt) / 1_000_000;
        assertTrue(tookMs < 1000, "revoked everywhere in " + tookMs + " ms");
    }

    @Test
    void anUpdateReachesTheCachesToo() {
        var admin = KeyAdminAccess.admin(store);
        String apiKey = KeyAdminAccess.create(admin, "upd", "acme", 5, 0);
        assertEquals(5, authenticate(replicaA, apiKey).rpmLimit());
        KeyAdminAccess.setRpm(admin, "upd", 7);
        waitUntil(() -> authenticate(replicaA, apiKey).rpmLimit() == 7, 1000);
    }

    @Test
    void aKeyCreatedAfterAFailedLookupWorksAtOnce() {
        var admin = KeyAdminAccess.admin(store);
        // an unknown key is remembered as unknown briefly; creating it must not wait for that to expire
        String sha = ApiKeys.sha256("sk-llmops-not-yet");
        assertNull(await(replicaA.find(sha)));
        assertThrows(StatusRuntimeException.class, () -> ApiKeys.check(null, sha, 0));
        String apiKey = KeyAdminAccess.create(admin, "fresh", "acme", 0, 0);
        assertEquals("fresh", authenticate(replicaA, apiKey).keyId());
    }

    @Test
    void revokedExpiredAndRotatedKeysSayWhy() {
        long now = System.currentTimeMillis();
        KeyRecord base = new KeyRecord("k", "t", "", List.of(), 0, 0, Map.of(), 0, "", "new", "h", now, 0, 0, "old",
                now + 1000);
        assertEquals("k", ApiKeys.check(base, "new", now).keyId());
        assertEquals("k", ApiKeys.check(base, "old", now).keyId(), "the previous key inside its grace period");
        assertTrue(message(() -> ApiKeys.check(base, "old", now + 1000)).contains("rotated"));
        KeyRecord expired = new KeyRecord("k", "t", "", List.of(), 0, 0, Map.of(), now, "", "new", "h", 0, 0, 0, "", 0);
        assertTrue(message(() -> ApiKeys.check(expired, "new", now)).contains("expired"));
        KeyRecord revoked = new KeyRecord("k", "t", "", List.of(), 0, 0, Map.of(), 0, "", "new", "h", 0, 0, now, "", 0);
        assertTrue(message(() -> ApiKeys.check(revoked, "new", now)).contains("revoked"));
    }

    @Test
    void whileRedisIsDownKnownKeysKeepWorkingAndUnknownOnesAreUnavailable() throws Exception {
        int port = TestRedis.freePort();
        Process server = TestRedis.startPrivateRedis(port);
        try (TestRedis priv = new TestRedis("redis://127.0.0.1:" + port)) {
            var admin = KeyAdminAccess.admin(new KeyStore(priv.client(), priv.prefix, Duration.ofSeconds(2)));
            String apiKey = KeyAdminAccess.create(admin, "known", "acme", 0, 0);
            // TTL 0: every lookup goes to Redis, so the outage is seen at once
            VirtualKeys replica = replica(priv, Duration.ZERO);
            try {
                waitUntil(replica::subscribed, 5000); // subscribing clears the cache once; let that happen first
                assertEquals("known", authenticate(replica, apiKey).keyId());
                server.destroy();
                server.waitFor();
                assertEquals("known", authenticate(replica, apiKey).keyId(), "served stale from the cache");
                assertTrue(replica.staleServed() > 0);
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> await(replica.find(ApiKeys.sha256("sk-llmops-never-seen"))));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            } finally {
                replica.stop();
            }
        } finally {
            server.destroy();
        }
    }

    @Test
    void aKnownKeyPastItsTtlAnswersAtOnceAndALostRevokeStillLandsWithinTheTtlPlusOneRead() throws Exception {
        var admin = KeyAdminAccess.admin(store);
        String apiKey = KeyAdminAccess.create(admin, "late", "acme", 0, 0);
        VirtualKeys replica = replica(redis, Duration.ofMillis(200));
        waitUntil(replica::subscribed, 5000);
        replica.stop(); // no invalidation channel: only the TTL can bring the revoke in
        assertEquals("late", authenticate(replica, apiKey).keyId());
        KeyAdminAccess.revoke(admin, "late");
        Thread.sleep(300);
        assertEquals("late", authenticate(replica, apiKey).keyId(), "past the TTL: the last read answers once more");
        waitUntil(() -> {
            try {
                authenticate(replica, apiKey);
                return false;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
            }
        }, 1000);
    }

    @Test
    void aKnownKeyPastItsTtlDoesNotWaitForAHungRedis() throws Exception {
        int port = TestRedis.freePort();
        Process server = TestRedis.startPrivateRedis(port);
        try (TestRedis priv = new TestRedis("redis://127.0.0.1:" + port)) {
            var admin = KeyAdminAccess.admin(new KeyStore(priv.client(), priv.prefix, Duration.ofSeconds(2)));
            String apiKey = KeyAdminAccess.create(admin, "hung", "acme", 0, 0);
            VirtualKeys replica = replica(priv, Duration.ofMillis(200)); // its store answers UNAVAILABLE after 500 ms
            try {
                waitUntil(replica::subscribed, 5000); // subscribing clears the cache once; let that happen first
                assertEquals("hung", authenticate(replica, apiKey).keyId());
                signal("STOP", server); // Redis hangs: connections stay open, nothing answers
                Thread.sleep(300);
                long start = System.nanoTime();
                assertEquals("hung", authenticate(replica, apiKey).keyId());
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMs < 250, "answered from the cache in " + tookMs + " ms, not after the store's timeout");
                waitUntil(() -> replica.staleServed() > 0, 2000); // the background read failed and said so
            } finally {
                signal("CONT", server);
                replica.stop();
            }
        } finally {
            server.destroy();
        }
    }

    static void signal(String name, Process process) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor());
    }

    static String message(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus().getDescription();
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + timeoutMs + " ms");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
