package dev.llmops.router.auth;

import dev.llmops.router.config.RouterConfig;
import io.grpc.Status;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Authenticates API keys. A presented key is hashed (SHA-256) and looked up, so keys are never stored or compared
 * in clear: first among the keys in config (bootstrap keys, e.g. from a Kubernetes Secret), then among the virtual
 * keys in Redis (through {@link VirtualKeys}' local cache).
 */
@ApplicationScoped
public class ApiKeys {
    private static final String BEARER = "bearer ";
    private final Map<String, Principal> configured;
    private final VirtualKeys virtualKeys;

    /**
     * Who a key belongs to and what it may do.
     *
     * @param allowedModels model names the key may ask for; empty means every model
     * @param rpmLimit      requests per minute, 0 = unlimited
     * @param tpmLimit      tokens per minute, 0 = unlimited
     * @param tags          the key's own tags, carried to cost and guardrails
     */
    public record Principal(String keyId, String tenantId, String team, List<String> allowedModels, long rpmLimit,
                            long tpmLimit, Map<String, String> tags, long expiresUnixMs) {
        public Principal {
            allowedModels = List.copyOf(allowedModels);
            tags = Map.copyOf(tags);
        }

        /** A key with no limits, every model allowed and no tags. */
        public Principal(String keyId, String tenantId) {
            this(keyId, tenantId, "", List.of(), 0, 0, Map.of(), 0);
        }

        public boolean allows(String model) {
            return allowedModels.isEmpty() || allowedModels.contains(model);
        }

        public boolean limited() {
            return rpmLimit > 0 || tpmLimit > 0;
        }
    }

    public ApiKeys(RouterConfig config, VirtualKeys virtualKeys) {
        Map<String, Principal> map = new HashMap<>();
        config.keys().forEach((id, key) -> map.put(key.sha256().toLowerCase(Locale.ROOT), new Principal(id,
                key.tenant(), key.team().orElse(""), key.models().orElse(List.of()), key.rpm(), key.tpm(),
                key.tags(), 0)));
        this.configured = Map.copyOf(map);
        this.virtualKeys = virtualKeys;
    }

    void onStart(@Observes StartupEvent event) {
        virtualKeys.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        virtualKeys.stop();
    }

    /** The key ids configured in application config: the admin API must not create keys with these ids. */
    public boolean isConfiguredKeyId(String keyId) {
        return configured.values().stream().anyMatch(p -> p.keyId().equals(keyId));
    }

    /** The principal for an {@code authorization} header value, or UNAUTHENTICATED saying what is wrong. */
    public Uni<Principal> authenticate(String authorization) {
        String sha;
        try {
            sha = sha256(bearerToken(authorization, "API key"));
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        Principal principal = configured.get(sha);
        if (principal != null) {
            return Uni.createFrom().item(principal);
        }
        return virtualKeys.find(sha).map(record -> check(record, sha, System.currentTimeMillis()));
    }

    /** The record's principal if this hash is one of its working keys; otherwise UNAUTHENTICATED. */
    static Principal check(KeyRecord record, String sha, long nowMs) {
        if (record == null) {
            throw Status.UNAUTHENTICATED.withDescription("invalid API key").asRuntimeException();
        }
        if (record.revoked()) {
            throw Status.UNAUTHENTICATED.withDescription("this API key was revoked; ask your administrator for a new one")
                    .asRuntimeException();
        }
        if (record.expired(nowMs)) {
            throw Status.UNAUTHENTICATED.withDescription("this API key expired at "
                    + Instant.ofEpochMilli(record.expiresUnixMs()) + "; ask your administrator for a new one")
                    .asRuntimeException();
        }
        boolean current = record.sha256().equals(sha);
        boolean inGrace = record.previousSha256().equals(sha) && nowMs < record.previousUntilMs();
        if (!current && !inGrace) {
            throw Status.UNAUTHENTICATED.withDescription("this API key was rotated; use the new key")
                    .asRuntimeException();
        }
        return record.principal();
    }

    /** The token of a {@code Bearer <token>} value, or UNAUTHENTICATED naming what was expected. */
    public static String bearerToken(String authorization, String what) {
        if (authorization == null || authorization.isBlank()) {
            throw Status.UNAUTHENTICATED.withDescription(
                    "missing " + what + ": send 'authorization: Bearer <key>'").asRuntimeException();
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw Status.UNAUTHENTICATED.withDescription(
                    "the authorization value must be 'Bearer <key>'").asRuntimeException();
        }
        return authorization.substring(BEARER.length()).strip();
    }

    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
