package dev.llmops.router.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A virtual key as stored in Redis (JSON, readable by operators): its settings, its state and the SHA-256 of the
 * current key (and of the one a rotation replaced, while that still works). Never the key itself.
 *
 * @param sha256          hash of the current key
 * @param previousSha256  hash of the key the last rotation replaced, or empty
 * @param previousUntilMs until when that previous key works (0: it does not)
 */
public record KeyRecord(String keyId, String tenantId, String team, List<String> allowedModels, long rpmLimit,
                        long tpmLimit, Map<String, String> tags, long expiresUnixMs, String description,
                        String sha256, String keyHint, long createdUnixMs, long rotatedUnixMs, long revokedUnixMs,
                        String previousSha256, long previousUntilMs) {

    public KeyRecord {
        allowedModels = List.copyOf(allowedModels);
        tags = Map.copyOf(tags);
    }

    public boolean revoked() {
        return revokedUnixMs > 0;
    }

    public boolean expired(long nowMs) {
        return expiresUnixMs > 0 && nowMs >= expiresUnixMs;
    }

    public String toJson() {
        JsonObject tagJson = new JsonObject();
        new TreeMap<>(tags).forEach(tagJson::put);
        return new JsonObject()
                .put("key_id", keyId).put("tenant_id", tenantId).put("team", team)
                .put("allowed_models", new JsonArray(allowedModels)).put("rpm_limit", rpmLimit)
                .put("tpm_limit", tpmLimit).put("tags", tagJson).put("expires_unix_ms", expiresUnixMs)
                .put("description", description).put("sha256", sha256).put("key_hint", keyHint)
                .put("created_unix_ms", createdUnixMs).put("rotated_unix_ms", rotatedUnixMs)
                .put("revoked_unix_ms", revokedUnixMs).put("previous_sha256", previousSha256)
                .put("previous_until_ms", previousUntilMs)
                .encode();
    }

    public static KeyRecord fromJson(String json) {
        JsonObject o = new JsonObject(json);
        Map<String, String> tags = new TreeMap<>();
        JsonObject t = o.getJsonObject("tags", new JsonObject());
        t.fieldNames().forEach(name -> tags.put(name, t.getString(name)));
        List<String> models = o.getJsonArray("allowed_models", new JsonArray()).stream().map(String::valueOf).toList();
        return new KeyRecord(o.getString("key_id"), o.getString("tenant_id"), o.getString("team", ""), models,
                o.getLong("rpm_limit", 0L), o.getLong("tpm_limit", 0L), tags, o.getLong("expires_unix_ms", 0L),
                o.getString("description", ""), o.getString("sha256"), o.getString("key_hint", ""),
                o.getLong("created_unix_ms", 0L), o.getLong("rotated_unix_ms", 0L), o.getLong("revoked_unix_ms", 0L),
                o.getString("previous_sha256", ""), o.getLong("previous_until_ms", 0L));
    }

    /** The caller-facing view used on the request path. */
    public ApiKeys.Principal principal() {
        return new ApiKeys.Principal(keyId, tenantId, team, allowedModels, rpmLimit, tpmLimit, tags, expiresUnixMs);
    }
}
