package dev.llmops.guardrail.service;

import com.google.re2j.Pattern;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.TopicScanner;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import llmops.guardrail.v1.EscalationMode;

/**
 * One tenant's effective policy (or the service default): action and minimum score per finding type, scanners
 * switched off, fallback text, escalation mode, banned topics and competitors, output checks. Immutable; built from
 * config ({@link PolicyStore#defaults()}) or from a stored {@code TenantPolicy} over those defaults.
 */
public final class Policy {

    static final Map<String, PolicyAction> BUILT_IN = builtIn();
    static final double DEFAULT_THRESHOLD = 0.5;

    private static Map<String, PolicyAction> builtIn() {
        Map<String, PolicyAction> m = new HashMap<>();
        for (String pii : List.of(FindingTypes.EMAIL, FindingTypes.PHONE, FindingTypes.PAYMENT_CARD, FindingTypes.IBAN,
                FindingTypes.US_SSN, FindingTypes.IP_ADDRESS, FindingTypes.DATE_OF_BIRTH, FindingTypes.PERSON,
                FindingTypes.STREET_ADDRESS, FindingTypes.API_KEY, FindingTypes.PRIVATE_KEY, FindingTypes.JWT,
                FindingTypes.CONNECTION_STRING, FindingTypes.PASSWORD, FindingTypes.HIGH_ENTROPY_TOKEN)) {
            m.put(pii, PolicyAction.REDACT);
        }
        for (String block : List.of(FindingTypes.BLOCKED_PHRASE, FindingTypes.PROMPT_INJECTION, "TOXICITY_HATE",
                "TOXICITY_THREAT", "TOXICITY_SEXUAL", FindingTypes.BANNED_TOPIC, FindingTypes.INVALID_JSON,
                FindingTypes.SCHEMA_VIOLATION, FindingTypes.FORMAT_MISMATCH, FindingTypes.OUTPUT_TOO_LONG)) {
            m.put(block, PolicyAction.BLOCK);
        }
        // A person in crisis should reach a human, not a wall.
        m.put("TOXICITY_SELF_HARM", PolicyAction.ESCALATE);
        for (String log : List.of("TOXICITY_INSULT", "TOXICITY_PROFANITY", FindingTypes.COMPETITOR,
                FindingTypes.REFUSAL, FindingTypes.UNGROUNDED)) {
            m.put(log, PolicyAction.LOG_ONLY);
        }
        return Map.copyOf(m);
    }

    private final String tenantId;
    private final long version;
    private final Map<String, PolicyAction> actions;
    private final PolicyAction defaultAction;
    private final Map<String, Double> thresholds;
    private final Set<String> disabledScanners;
    private final String fallbackText;
    private final EscalationMode escalationMode;
    private final TopicScanner topics;
    private final int maxOutputChars;
    private final Pattern outputPattern;
    private final double groundingThreshold;

    /** The built-in actions with overrides, everything else default: for tests and the inspector benchmark. */
    public Policy(Map<String, PolicyAction> overrides, PolicyAction defaultAction) {
        this("", 0, merge(BUILT_IN, overrides), defaultAction, Map.of(), Set.of(), "I can't help with that request.",
                EscalationMode.ESCALATION_MODE_HOLD, null, 0, null, 0.5);
    }

    Policy(String tenantId, long version, Map<String, PolicyAction> actions, PolicyAction defaultAction,
            Map<String, Double> thresholds, Set<String> disabledScanners, String fallbackText,
            EscalationMode escalationMode, TopicScanner topics, int maxOutputChars, Pattern outputPattern,
            double groundingThreshold) {
        this.tenantId = tenantId;
        this.version = version;
        this.actions = Map.copyOf(actions);
        this.defaultAction = defaultAction;
        this.thresholds = Map.copyOf(thresholds);
        this.disabledScanners = Set.copyOf(disabledScanners);
        this.fallbackText = fallbackText;
        this.escalationMode = escalationMode;
        this.topics = topics == null || topics.isEmpty() ? null : topics;
        this.maxOutputChars = maxOutputChars;
        this.outputPattern = outputPattern;
        this.groundingThreshold = groundingThreshold;
    }

    /** Keys upper-cased so that env vars (LLMOPS_GUARDRAIL_ACTIONS_EMAIL arrives as "email") work too. */
    static Map<String, PolicyAction> merge(Map<String, PolicyAction> base, Map<String, PolicyAction> overrides) {
        Map<String, PolicyAction> merged = new HashMap<>(base);
        overrides.forEach((type, action) -> merged.put(type.trim().toUpperCase(Locale.ROOT), action));
        return merged;
    }

    public PolicyAction actionFor(String type) {
        return actions.getOrDefault(type, defaultAction);
    }

    public double thresholdFor(String type) {
        return thresholds.getOrDefault(type, DEFAULT_THRESHOLD);
    }

    public boolean scannerEnabled(String name) {
        return !disabledScanners.contains(name);
    }

    public Map<String, PolicyAction> actions() {
        return actions;
    }

    public PolicyAction defaultAction() {
        return defaultAction;
    }

    public Map<String, Double> thresholds() {
        return thresholds;
    }

    public Set<String> disabledScanners() {
        return disabledScanners;
    }

    public String tenantId() {
        return tenantId;
    }

    public long version() {
        return version;
    }

    public String fallbackText() {
        return fallbackText;
    }

    public boolean holdsEscalations() {
        return escalationMode != EscalationMode.ESCALATION_MODE_PASS;
    }

    public EscalationMode escalationMode() {
        return escalationMode;
    }

    /** Tenant-specific topic/competitor scanner, or null. */
    public TopicScanner topics() {
        return topics;
    }

    public int maxOutputChars() {
        return maxOutputChars;
    }

    public Pattern outputPattern() {
        return outputPattern;
    }

    public double groundingThreshold() {
        return groundingThreshold;
    }
}
