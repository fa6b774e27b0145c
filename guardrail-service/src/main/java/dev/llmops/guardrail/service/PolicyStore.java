package dev.llmops.guardrail.service;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.repository.RedisKeys;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.scanner.TopicScanner;
import io.grpc.Status;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.EscalationMode;
import llmops.guardrail.v1.TenantPolicy;
import llmops.guardrail.v1.TermList;

/**
 * Per-tenant policies: stored in Redis (hash {@code policy:{tenant}} with version and body, history list beside it),
 * changed only through {@link #set} with optimistic concurrency (a Lua script compares the version), and cached in
 * each replica for {@code llmops.guardrail.policies.refresh} so every replica applies a change within that time
 * without a Redis round trip per check. A tenant without a stored policy gets the service default (version 0),
 * built from {@code llmops.guardrail.*} config. If Redis fails, the last known policy keeps being used; a tenant
 * never seen by this replica gets UNAVAILABLE (fail closed: a stricter tenant policy must not silently lapse).
 */
@Singleton
public class PolicyStore {
    private static final int HISTORY = 50;
    private static final String SET_SCRIPT = """
            local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
            if v ~= tonumber(ARGV[1]) then return v end
            local old = redis.call('HGET', KEYS[1], 'body')
            if old then
              redis.call('LPUSH', KEYS[2], old)
              redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
            end
            redis.call('HSET', KEYS[1], 'version', ARGV[2], 'body', ARGV[3])
            return -1
            """;

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;
    private final GuardrailConfig config;
    private final Set<String> scannerNames;
    private final Policy defaults;
    private final long refreshNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Policy policy, TenantPolicy source, long fetchedAt) {
    }

    public PolicyStore(ReactiveRedisDataSource redis, RedisKeys keys, GuardrailConfig config,
            ScannerRegistry registry) {
        this.redis = redis;
        this.keys = keys;
        this.config = config;
        this.scannerNames = registry.names();
        this.refreshNanos = config.policies().refresh().toNanos();
        this.defaults = compile(TenantPolicy.getDefaultInstance(), "");
        Log.infof("Guardrail default policy: %s, other types: %s, escalation %s",
                new java.util.TreeMap<>(defaults.actions()), defaults.defaultAction(), defaults.escalationMode());
    }

    public Policy defaults() {
        return defaults;
    }

    /** The policy for a tenant ("" = no tenant: the default), from the replica's cache when fresh. */
    public Uni<Policy> forTenant(String tenant) {
        if (tenant.isEmpty()) {
            return Uni.createFrom().item(defaults);
        }
        Cached c = cache.get(tenant);
        long now = System.nanoTime();
        if (c != null && now - c.fetchedAt() < refreshNanos) {
            return Uni.createFrom().item(c.policy());
        }
        return load(tenant).map(loaded -> {
            Policy p = loaded == null ? defaults : compile(loaded, tenant);
            cache.put(tenant, new Cached(p, loaded, now));
            return p;
        }).onFailure().recoverWithUni(e -> {
            if (c != null) {
                Log.warnf("reading the policy of tenant %s failed (%s); using version %d from %d ms ago", tenant,
                        e.toString(), c.policy().version(), (now - c.fetchedAt()) / 1_000_000);
                return Uni.createFrom().item(c.policy());
            }
            return Uni.createFrom().failure(Status.UNAVAILABLE.withDescription("the guardrail cannot read the policy "
                    + "of tenant '" + tenant + "' (Redis unavailable); retry shortly").withCause(e)
                    .asRuntimeException());
        });
    }

    /** The stored policy, or null when the tenant has none. */
    public Uni<TenantPolicy> load(String tenant) {
        return redis.hash(String.class, String.class, String.class).hget(keys.policy(tenant), "body")
                .map(body -> {
                    if (body == null) {
                        return null;
                    }
                    try {
                        return TenantPolicy.parseFrom(Base64.getDecoder().decode(body));
                    } catch (InvalidProtocolBufferException e) {
                        throw new IllegalStateException("stored policy of tenant " + tenant + " is unreadable", e);
                    }
                });
    }

    /**
     * Stores a new version. Fails with INVALID_ARGUMENT for a bad policy, ABORTED when {@code expectedVersion} is not
     * the stored version.
     */
    public Uni<TenantPolicy> set(TenantPolicy requested, long expectedVersion, String actor) {
        validate(requested);
        TenantPolicy stored = requested.toBuilder()
                .setVersion(expectedVersion + 1)
                .setUpdatedBy(actor)
                .setUpdatedAtUnixMs(System.currentTimeMillis())
                .build();
        String tenant = requested.getTenantId();
        String body = Base64.getEncoder().encodeToString(stored.toByteArray());
        return redis.execute("EVAL", SET_SCRIPT, "2", keys.policy(tenant), keys.policyHistory(tenant),
                Long.toString(expectedVersion), Long.toString(expectedVersion + 1), body, Integer.toString(HISTORY))
                .map(r -> {
                    long result = r.toLong();
                    if (result != -1) {
                        throw Status.ABORTED.withDescription("the policy of tenant '" + tenant + "' is at version "
                                + result + ", not " + expectedVersion + ": read it again and retry")
                                .asRuntimeException();
                    }
                    cache.put(tenant, new Cached(compile(stored, tenant), stored, System.nanoTime()));
                    Log.infof("policy of tenant %s set to version %d by %s", tenant, stored.getVersion(), actor);
                    return stored;
                });
    }

    /** The default policy in wire form (what GetPolicy shows for a tenant without one). */
    public TenantPolicy defaultAsProto(String tenant) {
        TenantPolicy.Builder b = TenantPolicy.newBuilder().setTenantId(tenant).setVersion(0)
                .setFallbackText(defaults.fallbackText()).setEscalationMode(defaults.escalationMode())
                .addAllDisabledScanners(defaults.disabledScanners());
        defaults.actions().forEach((type, action) -> b.putActions(type, action.proto()));
        defaults.thresholds().forEach(b::putThresholds);
        config.bannedTopics().forEach((name, terms) -> b.putBannedTopics(name,
                TermList.newBuilder().addAllTerms(terms).build()));
        config.competitors().ifPresent(b::addAllCompetitors);
        return b.build();
    }

    void validate(TenantPolicy p) {
        List<String> problems = new ArrayList<>();
        if (p.getTenantId().isBlank()) {
            problems.add("policy.tenant_id is empty");
        }
        p.getActionsMap().forEach((type, action) -> {
            if (action == Action.ACTION_UNSPECIFIED || action == Action.UNRECOGNIZED) {
                problems.add("policy.actions[" + type + "] is not an action (use ACTION_ALLOW, ACTION_LOG_ONLY, "
                        + "ACTION_REDACT, ACTION_ESCALATE or ACTION_BLOCK)");
            }
        });
        p.getThresholdsMap().forEach((type, t) -> {
            if (!(t >= 0 && t <= 1)) {
                problems.add("policy.thresholds[" + type + "] = " + t + " is outside [0, 1]");
            }
        });
        for (String s : p.getDisabledScannersList()) {
            if (!scannerNames.contains(s.trim().toLowerCase(Locale.ROOT))) {
                problems.add("policy.disabled_scanners names '" + s + "', which is not a scanner; known: "
                        + new java.util.TreeSet<>(scannerNames));
            }
        }
        if (p.getMaxOutputChars() < 0) {
            problems.add("policy.max_output_chars is negative");
        }
        if (!(p.getGroundingThreshold() >= 0 && p.getGroundingThreshold() <= 1)) {
            problems.add("policy.grounding_threshold is outside [0, 1]");
        }
        if (p.getEscalationModeValue() < 0 || p.getEscalationMode() == EscalationMode.UNRECOGNIZED) {
            problems.add("policy.escalation_mode is unknown");
        }
        if (!p.getOutputPattern().isEmpty()) {
            try {
                Pattern.compile(p.getOutputPattern());
            } catch (PatternSyntaxException e) {
                problems.add("policy.output_pattern is not an RE2 expression: " + e.getDescription());
            }
        }
        if (!problems.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription(String.join("; ", problems)).asRuntimeException();
        }
    }

    /** A stored policy over the service defaults (or the defaults themselves for the empty policy). */
    Policy compile(TenantPolicy p, String tenant) {
        Map<String, PolicyAction> actions = Policy.merge(Policy.BUILT_IN, config.actions());
        Map<String, PolicyAction> tenantActions = new HashMap<>();
        p.getActionsMap().forEach((type, action) -> tenantActions.put(type, PolicyAction.of(action)));
        actions = Policy.merge(actions, tenantActions);
        Map<String, Double> thresholds = new HashMap<>();
        config.thresholds().forEach((k, v) -> thresholds.put(k.trim().toUpperCase(Locale.ROOT), v));
        p.getThresholdsMap().forEach((k, v) -> thresholds.put(k.trim().toUpperCase(Locale.ROOT), v));
        Set<String> disabled = new HashSet<>();
        p.getDisabledScannersList().forEach(s -> disabled.add(s.trim().toLowerCase(Locale.ROOT)));
        Map<String, List<String>> topics = new HashMap<>();
        if (p.getBannedTopicsCount() > 0) {
            p.getBannedTopicsMap().forEach((name, list) -> topics.put(name, list.getTermsList()));
        } else {
            topics.putAll(config.bannedTopics());
        }
        List<String> competitors = p.getCompetitorsCount() > 0 ? p.getCompetitorsList()
                : config.competitors().orElse(List.of());
        EscalationMode mode = p.getEscalationMode() != EscalationMode.ESCALATION_MODE_UNSPECIFIED
                ? p.getEscalationMode()
                : "pass".equalsIgnoreCase(config.escalationMode().trim()) ? EscalationMode.ESCALATION_MODE_PASS
                : EscalationMode.ESCALATION_MODE_HOLD;
        return new Policy(tenant, p.getVersion(), actions, config.defaultAction(), thresholds, disabled,
                p.getFallbackText().isBlank() ? config.fallbackText() : p.getFallbackText(), mode,
                new TopicScanner(topics, competitors), p.getMaxOutputChars(),
                p.getOutputPattern().isEmpty() ? null : Pattern.compile(p.getOutputPattern()),
                p.getGroundingThreshold());
    }

    Duration refresh() {
        return config.policies().refresh();
    }
}
