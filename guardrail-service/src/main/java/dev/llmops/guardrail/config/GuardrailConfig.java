package dev.llmops.guardrail.config;

import dev.llmops.guardrail.PolicyAction;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every {@code llmops.guardrail.*} setting; defaults live here and nowhere else. */
@ConfigMapping(prefix = "llmops.guardrail")
public interface GuardrailConfig {

    /** Total UTF-16 chars over all messages (or of the output content) above which the request is blocked unscanned. */
    @WithDefault("200000")
    int maxInputChars();

    /** What a blocked request or answer gets instead. */
    @WithDefault("I can't help with that request.")
    String fallbackText();

    /** Phrases that block the request, matched case-insensitively, whitespace runs normalised, on word boundaries. */
    @WithDefault("ignore all previous instructions,ignore previous instructions,disregard all previous instructions")
    List<String> blockedPhrases();

    /**
     * Action per finding type, e.g. {@code llmops.guardrail.actions.EMAIL=block}. Overrides the built-in policy
     * (EMAIL, PHONE, PAYMENT_CARD: redact; BLOCKED_PHRASE: block). Keys are matched case-insensitively.
     */
    Map<String, PolicyAction> actions();

    /** Action for a finding type that neither the built-in policy nor {@link #actions()} names. */
    @WithDefault("redact")
    PolicyAction defaultAction();

    /** Names of scanners to switch off, e.g. {@code phone}. */
    Optional<List<String>> disabledScanners();

    /** Texts longer than this (total chars) are scanned on a worker thread instead of the event loop. */
    @WithDefault("16384")
    int offloadThresholdChars();

    Phone phone();

    interface Phone {
        /** ISO 3166 region used for numbers written without {@code +CC}; numbers with {@code +CC} match in any region. */
        @WithDefault("US")
        String defaultRegion();
    }
}
