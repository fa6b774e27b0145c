package dev.llmops.guardrail;

import llmops.guardrail.v1.Action;

/** What the policy does about a finding type. Ordered by severity: a later constant wins. */
public enum PolicyAction {
    /** Report the finding, change nothing. */
    ALLOW(Action.ACTION_ALLOW),
    /** Replace the matched text with a typed placeholder. */
    REDACT(Action.ACTION_REDACT),
    /** Do not pass the text on; answer with the fallback. */
    BLOCK(Action.ACTION_BLOCK);

    private final Action proto;

    PolicyAction(Action proto) {
        this.proto = proto;
    }

    public Action proto() {
        return proto;
    }

    public static PolicyAction of(Action action) {
        return switch (action) {
            case ACTION_REDACT -> REDACT;
            case ACTION_BLOCK -> BLOCK;
            default -> ALLOW;
        };
    }

    public String metricTag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
