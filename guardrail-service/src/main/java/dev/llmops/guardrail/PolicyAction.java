package dev.llmops.guardrail;

import llmops.guardrail.v1.Action;

/** What the policy does about a finding type. Ordered by severity: a later constant wins the verdict. */
public enum PolicyAction {
    /** Report the finding, change nothing. */
    ALLOW(Action.ACTION_ALLOW),
    /** Like allow, but counted as a flag (metrics, audit, fairness). */
    LOG_ONLY(Action.ACTION_LOG_ONLY),
    /** Replace the matched text with a typed placeholder. */
    REDACT(Action.ACTION_REDACT),
    /** Queue for human review; held (blocked) or passed meanwhile, per the policy's escalation mode. */
    ESCALATE(Action.ACTION_ESCALATE),
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
            case ACTION_LOG_ONLY -> LOG_ONLY;
            case ACTION_REDACT -> REDACT;
            case ACTION_ESCALATE -> ESCALATE;
            case ACTION_BLOCK -> BLOCK;
            default -> ALLOW;
        };
    }

    /** True for actions that leave the text as it is and must never be dropped by overlap resolution. */
    public boolean keepsText() {
        return this == LOG_ONLY || this == ESCALATE || this == BLOCK;
    }

    public String metricTag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
