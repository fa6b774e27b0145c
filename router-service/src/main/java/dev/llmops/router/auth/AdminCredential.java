package dev.llmops.router.auth;

import io.grpc.Status;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * The admin API's own credential: only its SHA-256 is configured, and API keys are never accepted in its place.
 * Hashes are compared in constant time.
 */
public final class AdminCredential {
    private final byte[] sha256;

    public AdminCredential(Optional<String> sha256Hex) {
        this.sha256 = sha256Hex.filter(h -> !h.isBlank())
                .map(h -> HexFormat.of().parseHex(h.strip().toLowerCase(Locale.ROOT))).orElse(null);
        if (sha256 != null && sha256.length != 32) {
            throw new IllegalStateException("llmops.router.access.admin-key-sha256 must be 64 hex digits (a SHA-256)");
        }
    }

    /** Passes for the admin key; otherwise PERMISSION_DENIED (admin API disabled) or UNAUTHENTICATED. */
    public void check(String authorization) {
        if (sha256 == null) {
            throw Status.PERMISSION_DENIED.withDescription("the admin API is disabled: set "
                    + "llmops.router.access.admin-key-sha256 to the SHA-256 of an admin key").asRuntimeException();
        }
        String token = ApiKeys.bearerToken(authorization, "admin key");
        byte[] presented = HexFormat.of().parseHex(ApiKeys.sha256(token));
        if (!MessageDigest.isEqual(presented, sha256)) {
            throw Status.UNAUTHENTICATED.withDescription("invalid admin key (API keys are not admin keys)")
                    .asRuntimeException();
        }
    }
}
