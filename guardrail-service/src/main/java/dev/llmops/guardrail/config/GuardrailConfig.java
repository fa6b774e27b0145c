package dev.llmops.guardrail.config;

import dev.llmops.guardrail.PolicyAction;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
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

    /** What the caller gets while an escalated request or answer waits for a reviewer (escalation mode HOLD). */
    @WithDefault("This needs a review by our team before we can answer. Please try again later.")
    String holdText();

    /** Phrases that block the request, matched case-insensitively, whitespace runs normalised, on word boundaries. */
    @WithDefault("ignore all previous instructions,ignore previous instructions,disregard all previous instructions")
    List<String> blockedPhrases();

    /**
     * Action per finding type, e.g. {@code llmops.guardrail.actions.EMAIL=block}. Overrides the built-in policy
     * (see {@code Policy.BUILT_IN}). Keys are matched case-insensitively.
     */
    Map<String, PolicyAction> actions();

    /** Minimum score per finding type, e.g. {@code llmops.guardrail.thresholds.PERSON=0.8}; default 0.5. */
    Map<String, Double> thresholds();

    /** Action for a finding type that neither the built-in policy nor {@link #actions()} names. */
    @WithDefault("redact")
    PolicyAction defaultAction();

    /** Names of scanners to switch off, e.g. {@code phone}. */
    Optional<List<String>> disabledScanners();

    /** Texts longer than this (total chars) are scanned on a worker thread instead of the event loop. */
    @WithDefault("16384")
    int offloadThresholdChars();

    /** Escalated texts: {@code hold} (blocked until reviewed) or {@code pass} (allowed, reviewed afterwards). */
    @WithDefault("hold")
    String escalationMode();

    /** Banned topics for every tenant without its own list: {@code llmops.guardrail.banned-topics.crypto=bitcoin,...}. */
    Map<String, List<String>> bannedTopics();

    /** Competitor names for every tenant without its own list. */
    Optional<List<String>> competitors();

    /**
     * Prefix of every Redis key the checks write, where they run inside another process (the router), whose own
     * {@code llmops.redis.key-prefix} is not this service's; unset here: {@code llmops.redis.key-prefix}.
     */
    Optional<String> redisKeyPrefix();

    Phone phone();

    Injection injection();

    Grounding grounding();

    Vault vault();

    Policies policies();

    Audit audit();

    interface Phone {
        /** ISO 3166 region used for numbers written without {@code +CC}; numbers with {@code +CC} match in any region. */
        @WithDefault("US")
        String defaultRegion();
    }

    interface Injection {
        /** Combined score from which a prompt injection is reported. */
        @WithDefault("0.75")
        double threshold();

        /** Use the naive Bayes classifier besides the rules. */
        @WithDefault("true")
        boolean classifier();
    }

    interface Grounding {
        /** Sentences scoring below this are UNGROUNDED. */
        @WithDefault("0.5")
        double threshold();

        /**
         * Combine lexical evidence with all-MiniLM-L6-v2 sentence embeddings (loaded at start, about 1 s and 100 MB;
         * checks with context documents then run on a worker thread). false = lexical only.
         */
        @WithDefault("true")
        boolean embeddings();
    }

    interface Vault {
        /** How long the originals of placeholders stay restorable. */
        @WithDefault("15m")
        Duration ttl();
    }

    interface Policies {
        /** How long a replica uses a tenant policy before re-reading it from Redis. */
        @WithDefault("1s")
        Duration refresh();
    }

    interface Audit {
        /** Publish one audit event per verdict to RabbitMQ. */
        @WithDefault("true")
        boolean enabled();

        /** Most events in one broker message (a GuardrailAuditBatch); a full batch is sent at once. */
        @WithDefault("256")
        int batchSize();

        /** Longest an event waits for its batch to fill before it is sent anyway. */
        @WithDefault("100ms")
        Duration flushInterval();

        /** Events held while the broker is away or slow; beyond that new events are dropped and counted. */
        @WithDefault("100000")
        int maxBufferedEvents();
    }
}
