package dev.llmops.guardrail;

/** Finding type names shared by scanners, the policy and the API (they appear in {@code Finding.type}). */
public final class FindingTypes {
    // PII
    public static final String EMAIL = "EMAIL";
    public static final String PHONE = "PHONE";
    public static final String PAYMENT_CARD = "PAYMENT_CARD";
    public static final String IBAN = "IBAN";
    public static final String US_SSN = "US_SSN";
    public static final String IP_ADDRESS = "IP_ADDRESS";
    public static final String DATE_OF_BIRTH = "DATE_OF_BIRTH";
    public static final String PERSON = "PERSON";
    public static final String STREET_ADDRESS = "STREET_ADDRESS";
    // Secrets
    public static final String API_KEY = "API_KEY";
    public static final String PRIVATE_KEY = "PRIVATE_KEY";
    public static final String JWT = "JWT";
    public static final String CONNECTION_STRING = "CONNECTION_STRING";
    public static final String PASSWORD = "PASSWORD";
    public static final String HIGH_ENTROPY_TOKEN = "HIGH_ENTROPY_TOKEN";
    // Attacks and content
    public static final String BLOCKED_PHRASE = "BLOCKED_PHRASE";
    public static final String PROMPT_INJECTION = "PROMPT_INJECTION";
    public static final String TOXICITY_PREFIX = "TOXICITY_";
    public static final String BANNED_TOPIC = "BANNED_TOPIC";
    public static final String COMPETITOR = "COMPETITOR";
    // Output checks
    public static final String INVALID_JSON = "INVALID_JSON";
    public static final String SCHEMA_VIOLATION = "SCHEMA_VIOLATION";
    public static final String FORMAT_MISMATCH = "FORMAT_MISMATCH";
    public static final String OUTPUT_TOO_LONG = "OUTPUT_TOO_LONG";
    public static final String REFUSAL = "REFUSAL";
    public static final String UNGROUNDED = "UNGROUNDED";
    // Limits
    public static final String INPUT_TOO_LARGE = "INPUT_TOO_LARGE";

    private FindingTypes() {
    }
}
