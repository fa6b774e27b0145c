package dev.llmops.router.admin;

import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.auth.KeyRecord;
import dev.llmops.router.auth.KeyStore;
import dev.llmops.router.auth.KeyStore.Mapping;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import llmops.router.v1.CreateKeyRequest;
import llmops.router.v1.CreateKeyResponse;
import llmops.router.v1.GetKeyRequest;
import llmops.router.v1.GetKeyResponse;
import llmops.router.v1.KeySpec;
import llmops.router.v1.KeyState;
import llmops.router.v1.ListKeysRequest;
import llmops.router.v1.ListKeysResponse;
import llmops.router.v1.RevokeKeyRequest;
import llmops.router.v1.RevokeKeyResponse;
import llmops.router.v1.RotateKeyRequest;
import llmops.router.v1.RotateKeyResponse;
import llmops.router.v1.UpdateKeyRequest;
import llmops.router.v1.UpdateKeyResponse;
import llmops.router.v1.VirtualKey;

/**
 * The admin API's logic: validates what an administrator asks for, issues keys (256 random bits; only their
 * SHA-256 is stored) and changes records through the {@link KeyStore}'s compare-and-set, so two admins changing one
 * key at once cannot lose an update (the second gets ABORTED).
 */
public class KeyAdmin {
    static final String KEY_PREFIX = "sk-llmops-";
    static final long MAX_GRACE_SECONDS = 7 * 24 * 3600;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int MAX_TAGS = 64;
    private static final long MAX_LIMIT = 1_000_000_000_000L;

    private final KeyStore store;
    private final Supplier<Set<String>> models;
    private final Predicate<String> reservedKeyId;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param models        the model names keys may be allowed (allow-lists are checked against it)
     * @param reservedKeyId key ids that belong to keys in config
     */
    public KeyAdmin(KeyStore store, Supplier<Set<String>> models, Predicate<String> reservedKeyId, Clock clock) {
        this.store = store;
        this.models = models;
        this.reservedKeyId = reservedKeyId;
        this.clock = clock;
    }

    public Uni<CreateKeyResponse> create(CreateKeyRequest request) {
        return guarded(() -> {
            long now = clock.millis();
            KeySpec spec = validSpec(request.getSpec(), now);
            String keyId = request.getKeyId().isEmpty() ? "vk_" + HexFormat.of().formatHex(bytes(8)) : request.getKeyId();
            if (!ID.matcher(keyId).matches()) {
                throw invalid("'key_id' must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            if (reservedKeyId.test(keyId)) {
                throw Status.ALREADY_EXISTS.withDescription("key id '" + keyId + "' belongs to a key in config; "
                        + "choose another").asRuntimeException();
            }
            String apiKey = newKey();
            KeyRecord record = withSpec(new KeyRecord(keyId, spec.getTenantId(), "", List.of(), 0, 0, Map.of(), 0, "",
                    ApiKeys.sha256(apiKey), hint(apiKey), now, 0, 0, "", 0), spec);
            return store.replace(null, record, Map.of(record.sha256(), Mapping.set())).map(done -> {
                if (!done) {
                    throw Status.ALREADY_EXISTS.withDescription("key id '" + keyId + "' already exists")
                            .asRuntimeException();
                }
                return CreateKeyResponse.newBuilder().setKey(view(record, now)).setApiKey(apiKey).build();
            });
        });
    }

    public Uni<GetKeyResponse> get(GetKeyRequest request) {
        return guarded(() -> existing(request.getKeyId())
                .map(r -> GetKeyResponse.newBuilder().setKey(view(r, clock.millis())).build()));
    }

    public Uni<ListKeysResponse> list(ListKeysRequest request) {
        return guarded(() -> {
            if (request.getPageSize() < 0 || request.getPageSize() > 1000) {
                throw invalid("'page_size' must be between 0 (default 100) and 1000");
            }
            int size = request.getPageSize() == 0 ? 100 : request.getPageSize();
            return store.all().map(all -> {
                long now = clock.millis();
                List<KeyRecord> matching = all.stream()
                        .filter(r -> request.getTenantId().isEmpty() || r.tenantId().equals(request.getTenantId()))
                        .filter(r -> request.getIncludeRevoked() || !r.revoked())
                        .filter(r -> r.keyId().compareTo(request.getPageToken()) > 0)
                        .sorted(Comparator.comparing(KeyRecord::keyId)).toList();
                ListKeysResponse.Builder out = ListKeysResponse.newBuilder();
                matching.stream().limit(size).forEach(r -> out.addKeys(view(r, now)));
                if (matching.size() > size) {
                    out.setNextPageToken(matching.get(size - 1).keyId());
                }
                return out.build();
            });
        });
    }

    public Uni<UpdateKeyResponse> update(UpdateKeyRequest request) {
        return guarded(() -> existing(request.getKeyId()).chain(old -> {
            long now = clock.millis();
            requireNotRevoked(old);
            KeySpec given = request.getSpec();
            if (!given.getTenantId().isEmpty() && !given.getTenantId().equals(old.tenantId())) {
                throw invalid("a key's tenant cannot change (key '" + old.keyId() + "' belongs to '" + old.tenantId()
                        + "'); create a new key for the other tenant");
            }
            KeySpec spec = validSpec(given.toBuilder().setTenantId(old.tenantId()).build(), now);
            KeyRecord next = withSpec(old, spec);
            return store.replace(old, next, Map.of()).map(done -> {
                conflictIfNot(done, old.keyId());
                return UpdateKeyResponse.newBuilder().setKey(view(next, now)).build();
            });
        }));
    }

    public Uni<RotateKeyResponse> rotate(RotateKeyRequest request) {
        return guarded(() -> {
            if (request.getGraceSeconds() < 0 || request.getGraceSeconds() > MAX_GRACE_SECONDS) {
                throw invalid("'grace_seconds' must be between 0 and " + MAX_GRACE_SECONDS + " (7 days)");
            }
            return existing(request.getKeyId()).chain(old -> {
                long now = clock.millis();
                requireNotRevoked(old);
                String apiKey = newKey();
                long graceMs = request.getGraceSeconds() * 1000;
                KeyRecord next = new KeyRecord(old.keyId(), old.tenantId(), old.team(), old.allowedModels(),
                        old.rpmLimit(), old.tpmLimit(), old.tags(), old.expiresUnixMs(), old.description(),
                        ApiKeys.sha256(apiKey), hint(apiKey), old.createdUnixMs(), now, 0,
                        graceMs > 0 ? old.sha256() : "", graceMs > 0 ? now + graceMs : 0);
                Map<String, Mapping> mappings = new LinkedHashMap<>();
                if (!old.previousSha256().isEmpty()) {
                    mappings.put(old.previousSha256(), Mapping.delete());
                }
                mappings.put(old.sha256(), graceMs > 0 ? Mapping.expireAfter(graceMs) : Mapping.delete());
                mappings.put(next.sha256(), Mapping.set());
                return store.replace(old, next, mappings).map(done -> {
                    conflictIfNot(done, old.keyId());
                    return RotateKeyResponse.newBuilder().setKey(view(next, now)).setApiKey(apiKey).build();
                });
            });
        });
    }

    public Uni<RevokeKeyResponse> revoke(RevokeKeyRequest request) {
        return guarded(() -> existing(request.getKeyId()).chain(old -> {
            long now = clock.millis();
            if (old.revoked()) {
                return Uni.createFrom().item(RevokeKeyResponse.newBuilder().setKey(view(old, now)).build());
            }
            KeyRecord next = new KeyRecord(old.keyId(), old.tenantId(), old.team(), old.allowedModels(),
                    old.rpmLimit(), old.tpmLimit(), old.tags(), old.expiresUnixMs(), old.description(), old.sha256(),
                    old.keyHint(), old.createdUnixMs(), old.rotatedUnixMs(), now, "", 0);
            // the current hash keeps pointing at the (revoked) record, so its users are told "revoked", not "invalid"
            Map<String, Mapping> mappings = new LinkedHashMap<>();
            if (!old.previousSha256().isEmpty()) {
                mappings.put(old.previousSha256(), Mapping.delete());
            }
            return store.replace(old, next, mappings).map(done -> {
                conflictIfNot(done, old.keyId());
                return RevokeKeyResponse.newBuilder().setKey(view(next, now)).build();
            });
        }));
    }

    /** What admins see: settings and state, never the key or its hash. */
    static VirtualKey view(KeyRecord r, long nowMs) {
        KeyState state = r.revoked() ? KeyState.KEY_STATE_REVOKED
                : r.expired(nowMs) ? KeyState.KEY_STATE_EXPIRED : KeyState.KEY_STATE_ACTIVE;
        return VirtualKey.newBuilder().setKeyId(r.keyId())
                .setSpec(KeySpec.newBuilder().setTenantId(r.tenantId()).setTeam(r.team())
                        .addAllAllowedModels(r.allowedModels()).setRpmLimit(r.rpmLimit()).setTpmLimit(r.tpmLimit())
                        .putAllTags(r.tags()).setExpiresUnixMs(r.expiresUnixMs()).setDescription(r.description()))
                .setKeyHint(r.keyHint()).setState(state).setCreatedUnixMs(r.createdUnixMs())
                .setRotatedUnixMs(r.rotatedUnixMs()).setRevokedUnixMs(r.revokedUnixMs())
                .setPreviousKeyValidUntilUnixMs(r.previousUntilMs() > nowMs ? r.previousUntilMs() : 0)
                .build();
    }

    private KeySpec validSpec(KeySpec spec, long now) {
        if (!TENANT.matcher(spec.getTenantId()).matches()) {
            throw invalid("'spec.tenant_id' is required: 1 to 128 letters, digits, '.', '_', ':' or '-'");
        }
        if (spec.getTeam().length() > 128 || spec.getTeam().chars().anyMatch(Character::isISOControl)) {
            throw invalid("'spec.team' must be at most 128 characters without control characters");
        }
        Set<String> known = models.get();
        Set<String> allowed = new LinkedHashSet<>();
        for (String m : spec.getAllowedModelsList()) {
            if (!known.contains(m)) {
                throw invalid("'spec.allowed_models' names unknown model '" + m + "'; known models: " + known);
            }
            allowed.add(m);
        }
        if (spec.getRpmLimit() < 0 || spec.getRpmLimit() > MAX_LIMIT || spec.getTpmLimit() < 0
                || spec.getTpmLimit() > MAX_LIMIT) {
            throw invalid("'spec.rpm_limit' and 'spec.tpm_limit' must be between 0 (no limit) and " + MAX_LIMIT);
        }
        if (spec.getTagsCount() > MAX_TAGS) {
            throw invalid("'spec.tags' may hold at most " + MAX_TAGS + " tags");
        }
        spec.getTagsMap().forEach((k, v) -> {
            if (!TAG_NAME.matcher(k).matches()) {
                throw invalid("tag name '" + k + "' must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
            }
            if (v.length() > 256 || v.chars().anyMatch(Character::isISOControl)) {
                throw invalid("tag '" + k + "' must be at most 256 characters without control characters");
            }
        });
        if (spec.getExpiresUnixMs() < 0 || (spec.getExpiresUnixMs() > 0 && spec.getExpiresUnixMs() <= now)) {
            throw invalid("'spec.expires_unix_ms' must be in the future (Unix milliseconds), or 0 for never");
        }
        if (spec.getDescription().length() > 512) {
            throw invalid("'spec.description' must be at most 512 characters");
        }
        return spec.toBuilder().clearAllowedModels().addAllAllowedModels(allowed).build();
    }

    private static KeyRecord withSpec(KeyRecord r, KeySpec s) {
        return new KeyRecord(r.keyId(), s.getTenantId(), s.getTeam(), new ArrayList<>(s.getAllowedModelsList()),
                s.getRpmLimit(), s.getTpmLimit(), s.getTagsMap(), s.getExpiresUnixMs(), s.getDescription(), r.sha256(),
                r.keyHint(), r.createdUnixMs(), r.rotatedUnixMs(), r.revokedUnixMs(), r.previousSha256(),
                r.previousUntilMs());
    }

    private Uni<KeyRecord> existing(String keyId) {
        if (keyId.isEmpty()) {
            return Uni.createFrom().failure(invalid("'key_id' is required"));
        }
        return store.get(keyId).map(r -> {
            if (r == null) {
                throw Status.NOT_FOUND.withDescription("no key with id '" + keyId + "' (keys in config cannot be "
                        + "managed here)").asRuntimeException();
            }
            return r;
        });
    }

    private static void requireNotRevoked(KeyRecord r) {
        if (r.revoked()) {
            throw Status.FAILED_PRECONDITION.withDescription("key '" + r.keyId() + "' is revoked and cannot change; "
                    + "create a new key").asRuntimeException();
        }
    }

    private static void conflictIfNot(boolean done, String keyId) {
        if (!done) {
            throw Status.ABORTED.withDescription("key '" + keyId + "' was changed by someone else meanwhile; "
                    + "read it again and retry").asRuntimeException();
        }
    }

    /** Runs an admin operation: validation errors as they are, Redis failures as UNAVAILABLE. */
    private static <T> Uni<T> guarded(Supplier<Uni<T>> operation) {
        Uni<T> uni;
        try {
            uni = operation.get();
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return uni.onFailure(e -> !(e instanceof StatusRuntimeException)).transform(e -> Status.UNAVAILABLE
                .withDescription("the key store (Redis) is unavailable: " + e.getMessage() + "; retry shortly")
                .withCause(e).asRuntimeException());
    }

    private String newKey() {
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
    }

    /** Enough of the key to recognise it, far too little to guess it: prefix plus 2, then the last 4 characters. */
    static String hint(String apiKey) {
        return apiKey.substring(0, KEY_PREFIX.length() + 2) + "…" + apiKey.substring(apiKey.length() - 4);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
