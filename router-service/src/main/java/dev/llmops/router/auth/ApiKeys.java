package dev.llmops.router.auth;

import dev.llmops.router.config.RouterConfig;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Authenticates API keys. Only SHA-256 hashes are configured; a presented key is hashed and looked up, so the
 * keys themselves are never stored or compared in clear.
 */
@ApplicationScoped
public class ApiKeys {
    private static final String BEARER = "bearer ";
    private final Map<String, Principal> byHash;

    /** The key's id (for reports and budgets) and its tenant. */
    public record Principal(String keyId, String tenantId) {
    }

    public ApiKeys(RouterConfig config) {
        Map<String, Principal> map = new HashMap<>();
        config.keys().forEach((id, key) -> map.put(key.sha256().toLowerCase(Locale.ROOT), new Principal(id, key.tenant())));
        this.byHash = Map.copyOf(map);
    }

    /** The principal for an {@code authorization} header value, or UNAUTHENTICATED saying what is wrong. */
    public Principal authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw Status.UNAUTHENTICATED.withDescription(
                    "missing API key: send 'authorization: Bearer <key>'").asRuntimeException();
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw Status.UNAUTHENTICATED.withDescription(
                    "the authorization value must be 'Bearer <key>'").asRuntimeException();
        }
        Principal principal = byHash.get(sha256(authorization.substring(BEARER.length()).strip()));
        if (principal == null) {
            throw Status.UNAUTHENTICATED.withDescription("invalid API key").asRuntimeException();
        }
        return principal;
    }

    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
