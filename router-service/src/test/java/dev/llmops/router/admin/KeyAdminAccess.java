package dev.llmops.router.admin;

import dev.llmops.router.auth.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import llmops.router.v1.CreateKeyRequest;
import llmops.router.v1.KeySpec;
import llmops.router.v1.RevokeKeyRequest;
import llmops.router.v1.UpdateKeyRequest;

/** Short ways for other packages' tests to manage keys through the real admin logic. */
public final class KeyAdminAccess {
    private KeyAdminAccess() {
    }

    public static KeyAdmin admin(KeyStore store) {
        return new KeyAdmin(store, () -> Set.of("local-echo", "gpt-4o-mini"), id -> false, Clock.systemUTC());
    }

    /** Creates a key and returns the key itself. */
    public static String create(KeyAdmin admin, String keyId, String tenant, long rpm, long tpm) {
        return admin.create(CreateKeyRequest.newBuilder().setKeyId(keyId).setSpec(KeySpec.newBuilder()
                .setTenantId(tenant).setRpmLimit(rpm).setTpmLimit(tpm)).build())
                .await().atMost(Duration.ofSeconds(5)).getApiKey();
    }

    public static void setRpm(KeyAdmin admin, String keyId, long rpm) {
        admin.update(UpdateKeyRequest.newBuilder().setKeyId(keyId).setSpec(KeySpec.newBuilder().setRpmLimit(rpm))
                .build()).await().atMost(Duration.ofSeconds(5));
    }

    public static void revoke(KeyAdmin admin, String keyId) {
        admin.revoke(RevokeKeyRequest.newBuilder().setKeyId(keyId).build()).await().atMost(Duration.ofSeconds(5));
    }
}
