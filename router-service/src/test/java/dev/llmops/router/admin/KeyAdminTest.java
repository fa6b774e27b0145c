package dev.llmops.router.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.auth.ApiKeysAccess;
import dev.llmops.router.auth.KeyRecord;
import dev.llmops.router.auth.KeyStore;
import dev.llmops.router.limits.TestRedis;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import llmops.router.v1.CreateKeyRequest;
import llmops.router.v1.CreateKeyResponse;
import llmops.router.v1.GetKeyRequest;
import llmops.router.v1.KeySpec;
import llmops.router.v1.KeyState;
import llmops.router.v1.ListKeysRequest;
import llmops.router.v1.ListKeysResponse;
import llmops.router.v1.RevokeKeyRequest;
import llmops.router.v1.RotateKeyRequest;
import llmops.router.v1.RotateKeyResponse;
import llmops.router.v1.UpdateKeyRequest;
import llmops.router.v1.VirtualKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin logic against the real Redis (its own key prefix per test). */
class KeyAdminTest {
    TestRedis redis;
    KeyStore store;
    KeyAdmin admin;

    @BeforeEach
    void start() {
        redis = new TestRedis();
        store = new KeyStore(redis.client(), redis.prefix, Duration.ofSeconds(2));
        admin = new KeyAdmin(store, () -> Set.of("gpt-4o-mini", "local-echo"), "bootstrap"::equals, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    static KeySpec.Builder spec(String tenant) {
        return KeySpec.newBuilder().setTenantId(tenant);
    }

    Status.Code failure(Uni<?> uni) {
        return assertThrows(StatusRuntimeException.class, () -> await(uni)).getStatus().getCode();
    }

    @Test
    void createStoresOnlyTheHashAndReturnsTheKeyOnce() {
        CreateKeyResponse created = await(admin.create(CreateKeyRequest.newBuilder().setSpec(spec("acme")
                .setTeam("search").addAllowedModels("gpt-4o-mini").setRpmLimit(60).setTpmLimit(10_000)
                .putTags("env", "prod").setDescription("batch")).build()));
        String apiKey = created.getApiKey();
        assertTrue(apiKey.startsWith("sk-llmops-") && apiKey.length() > 50, apiKey);
        VirtualKey key = created.getKey();
        assertTrue(key.getKeyId().startsWith("vk_"));
        assertEquals(KeyState.KEY_STATE_ACTIVE, key.getState());
        assertEquals(List.of("gpt-4o-mini"), key.getSpec().getAllowedModelsList());
        assertEquals(60, key.getSpec().getRpmLimit());
        assertFalse(key.toString().contains(apiKey.substring(12)), "the view never holds the key");

        // what Redis holds: the hash, never the key
        StringBuilder everything = new StringBuilder();
        Response keys = redis.send(Request.cmd(Command.KEYS).arg(redis.prefix + "*"));
        for (Response k : keys) {
            everything.append(k).append('\n');
            Response type = redis.send(Request.cmd(Command.TYPE).arg(k.toString()));
            everything.append(redis.send("hash".equals(type.toString())
                    ? Request.cmd(Command.HGETALL).arg(k.toString()) : Request.cmd(Command.GET).arg(k.toString())));
        }
        assertFalse(everything.toString().contains(apiKey), "the key itself is stored nowhere");
        assertTrue(everything.toString().contains(ApiKeys.sha256(apiKey)));

        KeyRecord stored = await(store.lookup(ApiKeys.sha256(apiKey)));
        assertEquals(key.getKeyId(), stored.keyId());
        assertEquals("acme", stored.tenantId());
        assertEquals(Map.of("env", "prod"), stored.tags());
        assertNull(await(store.lookup(ApiKeys.sha256(apiKey + "x"))));
    }

    @Test
    void listNeverShowsKeysFiltersByTenantAndPages() {
        for (int i = 0; i < 5; i++) {
            await(admin.create(CreateKeyRequest.newBuilder().setKeyId("a-" + i).setSpec(spec("acme")).build()));
        }
        await(admin.create(CreateKeyRequest.newBuilder().setKeyId("b-0").setSpec(spec("other")).build()));
        await(admin.revoke(RevokeKeyRequest.newBuilder().setKeyId("a-4").build()));

        ListKeysResponse page1 = await(admin.list(ListKeysRequest.newBuilder().setTenantId("acme").setPageSize(2).build()));
        assertEquals(List.of("a-0", "a-1"), page1.getKeysList().stream().map(VirtualKey::getKeyId).toList());
        ListKeysResponse page2 = await(admin.list(ListKeysRequest.newBuilder().setTenantId("acme").setPageSize(2)
                .setPageToken(page1.getNextPageToken()).build()));
        assertEquals(List.of("a-2", "a-3"), page2.getKeysList().stream().map(VirtualKey::getKeyId).toList());
        assertEquals("", page2.getNextPageToken(), "the revoked key is left out, so nothing follows");

        ListKeysResponse all = await(admin.list(ListKeysRequest.newBuilder().setIncludeRevoked(true).build()));
        assertEquals(6, all.getKeysCount());
        assertEquals(KeyState.KEY_STATE_REVOKED, all.getKeysList().stream().filter(k -> k.getKeyId().equals("a-4"))
                .findFirst().orElseThrow().getState());
        assertTrue(all.getKeysList().stream().allMatch(k -> k.getKeyHint().contains("…")));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.list(ListKeysRequest.newBuilder().setPageSize(5000).build())));
    }

    @Test
    void badSpecsAreRefusedWithWhatToFix() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> await(admin.create(
                CreateKeyRequest.newBuilder().setSpec(spec("acme").addAllowedModels("gpt-5-ultra")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("gpt-5-ultra"), e.getStatus().getDescription());
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.getDefaultInstance())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.newBuilder()
                .setSpec(spec("has space")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.newBuilder()
                .setSpec(spec("acme").setRpmLimit(-1)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.newBuilder()
                .setSpec(spec("acme").setExpiresUnixMs(System.currentTimeMillis() - 1000)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.newBuilder()
                .setSpec(spec("acme").putTags("bad tag", "x")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.create(CreateKeyRequest.newBuilder()
                .setKeyId("no/slash").setSpec(spec("acme")).build())));
        assertEquals(Status.Code.ALREADY_EXISTS, failure(admin.create(CreateKeyRequest.newBuilder()
                .setKeyId("bootstrap").setSpec(spec("acme")).build())), "ids of config keys are taken");
        await(admin.create(CreateKeyRequest.newBuilder().setKeyId("dup").setSpec(spec("acme")).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, failure(admin.create(CreateKeyRequest.newBuilder()
                .setKeyId("dup").setSpec(spec("acme")).build())));
        assertEquals(Status.Code.NOT_FOUND, failure(admin.get(GetKeyRequest.newBuilder().setKeyId("nope").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.get(GetKeyRequest.getDefaultInstance())));
    }

    @Test
    void updateReplacesSettingsButNeitherTheTenantNorTheKey() {
        CreateKeyResponse created = await(admin.create(CreateKeyRequest.newBuilder().setKeyId("u")
                .setSpec(spec("acme").setRpmLimit(10)).build()));
        VirtualKey updated = await(admin.update(UpdateKeyRequest.newBuilder().setKeyId("u")
                .setSpec(KeySpec.newBuilder().setRpmLimit(99).addAllowedModels("local-echo")).build())).getKey();
        assertEquals("acme", updated.getSpec().getTenantId());
        assertEquals(99, updated.getSpec().getRpmLimit());
        KeyRecord stored = await(store.lookup(ApiKeys.sha256(created.getApiKey())));
        assertEquals(99, stored.rpmLimit(), "the same key now has the new limit");
        assertEquals(List.of("local-echo"), stored.allowedModels());
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.update(UpdateKeyRequest.newBuilder().setKeyId("u")
                .setSpec(spec("other")).build())));
        await(admin.revoke(RevokeKeyRequest.newBuilder().setKeyId("u").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, failure(admin.update(UpdateKeyRequest.newBuilder().setKeyId("u")
                .setSpec(spec("acme")).build())));
        assertEquals(Status.Code.FAILED_PRECONDITION, failure(admin.rotate(RotateKeyRequest.newBuilder().setKeyId("u")
                .build())));
    }

    @Test
    void rotationWithGraceKeepsTheOldKeyForTheGraceOnly() {
        CreateKeyResponse created = await(admin.create(CreateKeyRequest.newBuilder().setKeyId("r").setSpec(spec("acme"))
                .build()));
        String oldSha = ApiKeys.sha256(created.getApiKey());
        RotateKeyResponse rotated = await(admin.rotate(RotateKeyRequest.newBuilder().setKeyId("r").setGraceSeconds(1)
                .build()));
        String newSha = ApiKeys.sha256(rotated.getApiKey());
        assertNotEquals(oldSha, newSha);
        assertTrue(rotated.getKey().getPreviousKeyValidUntilUnixMs() > System.currentTimeMillis());
        assertEquals("r", await(store.lookup(newSha)).keyId());
        KeyRecord viaOld = await(store.lookup(oldSha));
        assertNotNull(viaOld, "the old key works during the grace period");
        assertEquals(oldSha, viaOld.previousSha256());
        long deadline = System.currentTimeMillis() + 3000;
        while (await(store.lookup(oldSha)) != null && System.currentTimeMillis() < deadline) {
            sleep(50);
        }
        assertNull(await(store.lookup(oldSha)), "after the grace period the old key is gone");

        // rotating again without grace: the previous key stops at once
        RotateKeyResponse again = await(admin.rotate(RotateKeyRequest.newBuilder().setKeyId("r").build()));
        assertNull(await(store.lookup(newSha)));
        assertEquals("r", await(store.lookup(ApiKeys.sha256(again.getApiKey()))).keyId());
        assertEquals(Status.Code.INVALID_ARGUMENT, failure(admin.rotate(RotateKeyRequest.newBuilder().setKeyId("r")
                .setGraceSeconds(8 * 24 * 3600).build())));
    }

    @Test
    void revokeRemovesEveryWorkingKeyAndIsIdempotent() {
        CreateKeyResponse created = await(admin.create(CreateKeyRequest.newBuilder().setKeyId("v").setSpec(spec("acme"))
                .build()));
        RotateKeyResponse rotated = await(admin.rotate(RotateKeyRequest.newBuilder().setKeyId("v").setGraceSeconds(600)
                .build()));
        VirtualKey revoked = await(admin.revoke(RevokeKeyRequest.newBuilder().setKeyId("v").build())).getKey();
        assertEquals(KeyState.KEY_STATE_REVOKED, revoked.getState());
        assertTrue(revoked.getRevokedUnixMs() > 0);
        assertNull(await(store.lookup(ApiKeys.sha256(created.getApiKey()))), "the key in its grace period too");
        String sha = ApiKeys.sha256(rotated.getApiKey());
        KeyRecord current = await(store.lookup(sha));
        assertTrue(current.revoked(), "the current key still finds its record, to be told it was revoked");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ApiKeysAccess.check(current, sha));
        assertTrue(e.getStatus().getDescription().contains("revoked"));
        assertEquals(revoked.getRevokedUnixMs(), await(admin.revoke(RevokeKeyRequest.newBuilder().setKeyId("v")
                .build())).getKey().getRevokedUnixMs());
    }

    @Test
    void concurrentChangesToOneKeyCannotLoseAnUpdate() {
        await(admin.create(CreateKeyRequest.newBuilder().setKeyId("cas").setSpec(spec("acme")).build()));
        KeyRecord read = await(store.get("cas"));
        KeyRecord a = new KeyRecord(read.keyId(), read.tenantId(), "a", read.allowedModels(), 1, 0, read.tags(), 0, "",
                read.sha256(), read.keyHint(), read.createdUnixMs(), 0, 0, "", 0);
        KeyRecord b = new KeyRecord(read.keyId(), read.tenantId(), "b", read.allowedModels(), 2, 0, read.tags(), 0, "",
                read.sha256(), read.keyHint(), read.createdUnixMs(), 0, 0, "", 0);
        assertTrue(await(store.replace(read, a, Map.of())));
        assertFalse(await(store.replace(read, b, Map.of())), "b was based on a stale read");
        assertEquals("a", await(store.get("cas")).team());
    }

    @Test
    void anExpiredKeyIsShownAsExpired() {
        Instant later = Instant.now().plusSeconds(3600);
        await(admin.create(CreateKeyRequest.newBuilder().setKeyId("e").setSpec(spec("acme")
                .setExpiresUnixMs(later.toEpochMilli() - 1000)).build()));
        KeyAdmin inTheFuture = new KeyAdmin(store, Set::of, id -> false, Clock.fixed(later, ZoneOffset.UTC));
        assertEquals(KeyState.KEY_STATE_EXPIRED, await(inTheFuture.get(GetKeyRequest.newBuilder().setKeyId("e").build()))
                .getKey().getState());
    }

    @Test
    void redisDownIsUnavailableNotACrash() throws Exception {
        int port = TestRedis.freePort();
        try (TestRedis nowhere = new TestRedis("redis://127.0.0.1:" + port)) {
            KeyAdmin down = new KeyAdmin(new KeyStore(nowhere.client(), nowhere.prefix, Duration.ofMillis(300)),
                    Set::of, id -> false, Clock.systemUTC());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> await(down.create(
                    CreateKeyRequest.newBuilder().setSpec(spec("acme")).build())));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
