package dev.llmops.guardrail;

/** Finding type names shared by scanners, the policy and the API (they appear in {@code Finding.type}). */
public final class FindingTypes {
    public static final String EMAIL = "EMAIL";
    public static final String PHONE = "PHONE";
    public static final String PAYMENT_CARD = "PAYMENT_CARD";
    public static final String BLOCKED_PHRASE = "BLOCKED_PHRASE";
    public static final String INPUT_TOO_LARGE = "INPUT_TOO_LARGE";

    private FindingTypes() {
    }
}
