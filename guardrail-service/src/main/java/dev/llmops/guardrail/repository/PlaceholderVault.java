package dev.llmops.guardrail.repository;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.config.GuardrailConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Reversible redaction: the originals behind a request's placeholders, in a Redis hash keyed by tenant and request
 * id, expiring after {@code llmops.guardrail.vault.ttl}. The values are personal data: they are never logged, never
 * put in metrics or audit events, and only the tenant that redacted them can read them back (the tenant is part of
 * the key). Redis holds them in plain text for the TTL: protect it (ACLs, TLS, no persistence of this prefix).
 */
@Singleton
public class PlaceholderVault {
    /** A placeholder as CheckInput writes them ({@code <EMAIL_1>}): group 1 is the type, group 2 the number. */
    public static final Pattern PLACEHOLDER = Pattern.compile("<([A-Z][A-Z_]*)_([0-9]{1,6})>");

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final long ttlSeconds;

    public PlaceholderVault(ReactiveRedisDataSource redis, RedisKeys keys, GuardrailConfig config) {
        this.redis = redis;
        this.keys = keys;
        this.ttlSeconds = Math.max(1, config.vault().ttl().toSeconds());
    }

    /** Stores the originals; a no-op without a tenant or request id (nothing could ask for them back). */
    public Uni<Boolean> store(String tenant, String requestId, Map<String, String> originals) {
        if (originals.isEmpty() || requestId.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        String key = keys.vault(tenant, requestId);
        return redis.hash(String.class, String.class, String.class).hset(key, originals)
                .chain(() -> redis.key(String.class).expire(key, ttlSeconds))
                .replaceWith(true);
    }

    public record Restored(String text, int count, boolean found) {
    }

    /**
     * {@code text} with every placeholder the vault knows replaced by its original.
     *
     * @param jsonEscape put the originals in JSON-string-escaped: for JSON text whose placeholders are in strings
     */
    public Uni<Restored> restore(String tenant, String requestId, String text, boolean jsonEscape) {
        return originals(tenant, requestId).map(originals -> replace(text, originals, jsonEscape));
    }

    /** Placeholder to original for one request; empty when nothing is stored (never redacted, expired). */
    public Uni<Map<String, String>> originals(String tenant, String requestId) {
        if (requestId.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return redis.hash(String.class, String.class, String.class).hgetall(keys.vault(tenant, requestId))
                .map(originals -> originals == null ? Map.of() : originals);
    }

    /** {@code text} with the given originals in place of their placeholders; not found when there are none. */
    public static Restored replace(String text, Map<String, String> originals, boolean jsonEscape) {
        if (originals.isEmpty()) {
            return new Restored(text, 0, false);
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = null;
        int pos = 0;
        int count = 0;
        while (m.find()) {
            String original = originals.get(m.group());
            if (original == null) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 32);
            }
            sb.append(text, pos, m.start());
            if (jsonEscape) {
                JsonStringEncoder.getInstance().quoteAsString(original, sb);
            } else {
                sb.append(original);
            }
            pos = m.end();
            count++;
        }
        if (sb == null) {
            return new Restored(text, 0, true);
        }
        return new Restored(sb.append(text, pos, text.length()).toString(), count, true);
    }
}
