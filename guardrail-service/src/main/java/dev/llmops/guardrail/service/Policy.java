package dev.llmops.guardrail.service;

import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.config.GuardrailConfig;
import io.quarkus.logging.Log;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Action per finding type: the built-in defaults, overridden by {@code llmops.guardrail.actions.<TYPE>}. */
@Singleton
public class Policy {

    static final Map<String, PolicyAction> BUILT_IN = Map.of(
            FindingTypes.EMAIL, PolicyAction.REDACT,
            FindingTypes.PHONE, PolicyAction.REDACT,
            FindingTypes.PAYMENT_CARD, PolicyAction.REDACT,
            FindingTypes.BLOCKED_PHRASE, PolicyAction.BLOCK);

    private final Map<String, PolicyAction> actions;
    private final PolicyAction defaultAction;

    @Inject
    public Policy(GuardrailConfig config) {
        this(config.actions(), config.defaultAction());
    }

    Policy(Map<String, PolicyAction> overrides, PolicyAction defaultAction) {
        Map<String, PolicyAction> merged = new HashMap<>(BUILT_IN);
        // Keys are upper-cased so that env vars (LLMOPS_GUARDRAIL_ACTIONS_EMAIL arrives as "email") work too.
        overrides.forEach((type, action) -> merged.put(type.trim().toUpperCase(Locale.ROOT), action));
        this.actions = Map.copyOf(merged);
        this.defaultAction = defaultAction;
        Log.infof("Guardrail policy: %s, other types: %s", new java.util.TreeMap<>(actions), defaultAction);
    }

    public PolicyAction actionFor(String type) {
        return actions.getOrDefault(type, defaultAction);
    }

    public Map<String, PolicyAction> actions() {
        return actions;
    }
}
