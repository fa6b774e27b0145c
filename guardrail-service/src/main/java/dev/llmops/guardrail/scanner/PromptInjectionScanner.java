package dev.llmops.guardrail.scanner;

import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.classifier.NaiveBayes;
import dev.llmops.guardrail.text.TextNormalizer;
import dev.llmops.guardrail.text.TextNormalizer.Normalized;
import java.util.List;

/**
 * Prompt injection and jailbreak attempts. The text is normalised first ({@link TextNormalizer}: invisible
 * characters, confusables, leetspeak, spelled-out words, base64/hex). Then weighted rules look for the known shapes
 * (override earlier instructions, reveal the system prompt, persona/"mode" jailbreaks, fake role markers): RE2-valid
 * syntax with bounded repetitions only, run by the JDK engine only where a match can start ({@link AnchoredRules}).
 * A naive Bayes classifier trained at start on {@code guardrail/injection-train.tsv}
 * scores the whole text. Score = max(best rule, classifier if at least 0.9); one finding when it reaches the
 * threshold, spanning the best rule match in the original text (or the whole text when only the classifier fired).
 */
public final class PromptInjectionScanner implements Scanner {
    public static final String NAME = "prompt-injection";
    public static final String TRAINING_SET = "guardrail/injection-train.tsv";

    private static final String OVERRIDE_VERB = "(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|"
            + "discard|neglect|overlook|set aside|throw away|delete|erase|clear|reset)";
    private static final String EARLIER = "(?:previous|prior|above|earlier|preceding|former|initial|original|old|"
            + "existing|given|system|your|all|any|the|these|those|my)";
    private static final String RULES_NOUN = "(?:instructions?|prompts?|rules?|directions?|directives?|guidelines?|"
            + "commands?|orders?|context|constraints?|restrictions?|programming|policies|policy|guardrails?|"
            + "filters?|safeguards?|messages?|text|conversation)";

    private static final String VERB_GATE = "ignor|disregard|forget|overrid|bypass|skip|drop|abandon|discard|neglect|"
            + "overlook|set aside|throw away|delete|erase|clear|reset";

    /**
     * Weight, pattern over normalised text, gate literals (one must occur, or the rule is skipped) and anchor literals
     * (every match starts at one of them; see {@link AnchoredRules}).
     */
    private static final Object[][] RULES = {
        {0.95, OVERRIDE_VERB + " (?:(?:all|any|every|each|of|the|your|my|these|those) ){0,3}" + EARLIER
                + "(?: [a-z]+){0,2} " + RULES_NOUN,
                VERB_GATE,
                VERB_GATE},
        {0.9, OVERRIDE_VERB + " (?:everything|anything|all) (?:(?:you were|you've been|you have been|i) )?"
                + "(?:told|said|given|instructed|written) (?:before|above|earlier|previously|so far)",
                VERB_GATE,
                VERB_GATE},
        {0.9, OVERRIDE_VERB + " (?:everything|all|what(?:ever)?) (?:above|before|previously|so far|earlier)",
                VERB_GATE,
                VERB_GATE},
        {0.9, "(?:reveal|show|print|repeat|output|leak|display|tell me|give me|share|dump|expose|write out|spell out|"
                + "list|recite|echo|paste|provide) (?:me )?(?:(?:the|your|all|of|full|complete|exact|entire|"
                + "original|initial|hidden|secret|internal|verbatim) ){0,4}(?:system|initial|hidden|original|"
                + "secret|internal|developer|pre-?prompt|base) ?(?:prompt|instructions?|message|rules|"
                + "configuration|directives?)",
                "prompt|instruction|message|rules|configuration|directive",
                "reveal|show|print|repeat|output|leak|display|tell me|give me|share|dump|expose|write out|spell out|list|recite|echo|paste|provide"},
        {0.85, "(?:what (?:is|are|was|were) )(?:your|the) (?:system|initial|hidden|original|secret) "
                + "(?:prompt|instructions?)",
                "prompt|instruction",
                "what "},
        {0.9, "\\b(?:dan|do anything now|stan|dude|aim|developer mode|dev mode|god mode|jailbreak(?:ed)? mode|"
                + "unrestricted mode|evil mode|chaos mode)\\b.{0,80}\\b(?:enabled?|activated?|mode|persona|"
                + "no (?:rules|limits|restrictions|filters))",
                "enable|activ|mode|persona|no rules|no limits|no restrictions|no filters",
                "dan|do anything now|stan|dude|aim|developer mode|dev mode|god mode|jailbreak|unrestricted mode|evil mode|chaos mode"},
        {0.9, "(?:enable|enter|activate|switch to|turn on|unlock) (?:the )?(?:dan|developer|dev|god|jailbreak|"
                + "unrestricted|unfiltered|evil|sudo|admin|root|debug) ?mode",
                "mode",
                "enable|enter|activate|switch to|turn on|unlock"},
        {0.85, "you are (?:now |no longer )?(?:an? )?(?:unrestricted|unfiltered|uncensored|jailbroken|free|rogue|"
                + "evil|amoral|unaligned) (?:ai|assistant|model|chatbot|bot|llm|version)",
                "you are",
                "you are"},
        {0.85, "(?:you (?:are|will be) (?:now )?|act as |pretend (?:to be|you are) |roleplay as |become )(?:an? )?"
                + "(?:ai|assistant|model|chatbot|character|persona)? ?(?:that|who|which) (?:has|have) no "
                + "(?:rules|restrictions|limits|limitations|filters|guidelines|ethics|morals|boundaries)",
                "no rules|no restrictions|no limits|no limitations|no filters|no guidelines|no ethics|no morals|no boundaries",
                "you |act as |pretend |roleplay as |become "},
        {0.85, "(?:without|ignoring|free (?:of|from)|no longer bound by|not bound by|with no) (?:any )?(?:of )?"
                + "(?:your |the |openai'?s? |anthropic'?s? )?(?:content )?(?:restrictions|filters|filtering|"
                + "censorship|guidelines|rules|policies|safety (?:rules|guidelines|filters)|limitations|"
                + "ethical (?:guidelines|constraints))",
                "restriction|filter|censorship|guideline|rules|policies|limitation|ethical",
                "without|ignoring|free |no longer bound by|not bound by|with no"},
        {0.8, "(?:disable|turn off|deactivate|remove|bypass|circumvent|get around|evade|break out of) (?:your |the |"
                + "all |any )?(?:safety|content|security)? ?(?:filters?|guardrails?|safeguards?|restrictions|"
                + "moderation|alignment|censorship|safety)",
                "filter|guardrail|safeguard|restriction|moderation|alignment|censorship|safety",
                "disable|turn off|deactivate|remove|bypass|circumvent|get around|evade|break out of"},
        {0.8, "from now on,? (?:you (?:will|must|are|shall|should)|act|respond|answer|reply|always|never|only|"
                + "ignore|forget)",
                "from now on",
                "from now on"},
        {0.75, "(?:new|updated|real|actual|true|revised|secret|hidden|admin|override) (?:system )?"
                + "(?:instructions?|prompt|rules|directives?|orders) ?(?::|follow|are|is|below|from|override)",
                "instruction|prompt|rules|directive|orders",
                "new|updated|real|actual|true|revised|secret|hidden|admin|override"},
        {0.85, "(?:^|\\n|\\s)(?:<\\|?/?(?:system|im_start|im_end|endoftext)\\|?>|\\[/?(?:system|inst|sys)\\]|"
                + "<</?sys>>|#{2,} ?(?:system|instruction|new instructions?)\\b)",
                "system|im_|endoftext|inst]|sys]|<<sys|instruction",
                " <|\n<| [|\n[| #|\n#", true},
        {0.75, "(?:stop|cease|quit) (?:being|acting as|pretending to be) (?:an? )?(?:ai|assistant|language model|"
                + "helpful|chatbot)",
                "stop|cease|quit",
                "stop|cease|quit"},
        {0.8, "(?:do not|don't|never) (?:follow|obey|adhere to|listen to|respect|comply with) (?:your |the |any )?"
                + "(?:previous |prior |original |system |initial )?" + RULES_NOUN,
                "follow|obey|adhere|listen|respect|comply",
                "do not|don't|never"},
        {0.8, "(?:pay no attention to|take no notice of|no longer follow|stop following) (?:the |your |any |all )?"
                + "(?:previous |prior |above |earlier |original |system )?" + RULES_NOUN,
                "attention|notice|follow",
                "pay no attention|take no notice|no longer follow|stop following"},
        {0.75, "(?:the )?(?:above|previous|prior) " + RULES_NOUN + " (?:are|were|is|was) (?:void|null|"
                + "cancel+ed|revoked|obsolete|outdated|fake|wrong|no longer valid|not valid)",
                "void|null|cancel|revoked|obsolete|outdated|fake|wrong|valid",
                "the above|the previous|the prior|above|previous|prior"},
        {0.7, "(?:you must|you will|you have to) (?:now )?(?:answer|respond|comply|obey) (?:every|all|any) "
                + "(?:question|request|prompt)s? (?:without|regardless)",
                "question|request|prompt",
                "you must|you will|you have to"},
        {0.8, "(?:print|output|return|send|exfiltrate|post|upload|forward) (?:all |the |any |your )?"
                + "(?:api keys?|secrets?|passwords?|credentials|tokens?|environment variables|env vars)",
                "api key|secret|password|credential|token|environment variable|env var",
                "print|output|return|send|exfiltrate|post|upload|forward"},
    };

    private final AnchoredRules rules;
    private final double[] weights;
    private final NaiveBayes classifier;
    private final double threshold;

    /**
     * @param classifier null for rules only
     * @param threshold score from which a finding is reported
     */
    public PromptInjectionScanner(NaiveBayes classifier, double threshold) {
        this.weights = new double[RULES.length];
        List<AnchoredRules.Rule> list = new java.util.ArrayList<>();
        for (int i = 0; i < RULES.length; i++) {
            weights[i] = (Double) RULES[i][0];
            String regex = (String) RULES[i][1];
            Pattern.compile(regex); // must also be valid RE2: keeps the rules free of back-references and look-around
            list.add(new AnchoredRules.Rule(java.util.regex.Pattern.compile(regex), ((String) RULES[i][2]).split("\\|"),
                    ((String) RULES[i][3]).split("\\|"), RULES[i].length > 4 && (Boolean) RULES[i][4]));
        }
        this.rules = new AnchoredRules(list);
        this.classifier = classifier;
        this.threshold = threshold;
    }

    public static NaiveBayes trainDefault() {
        return NaiveBayes.train(NaiveBayes.read(TRAINING_SET), t -> TextNormalizer.normalize(t).text());
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * System and developer messages are the app's own instructions, and answers are the model's own text: neither is
     * where an injection arrives (user, assistant history and tool messages are).
     */
    @Override
    public boolean untrustedOnly() {
        return true;
    }

    /** Scores of the rules and the classifier, for the harness and for explanations. */
    public record Score(double rule, int ruleIndex, int start, int end, double classifier) {
        /**
         * The best rule, or the classifier when it is confident ({@link #CLASSIFIER_FLOOR}): naive Bayes
         * probabilities are overconfident, and a benign text with a few attack-like words reaches 0.8 easily.
         */
        public double combined() {
            return Math.max(rule, classifier >= CLASSIFIER_FLOOR ? classifier : 0);
        }
    }

    /** The classifier alone counts only from this probability (measured on the evaluation set, see the README). */
    public static final double CLASSIFIER_FLOOR = 0.9;

    public Score score(String text) {
        Normalized norm = TextNormalizer.normalizeShared(text);
        String s = norm.text();
        double best = 0;
        int bestRule = -1;
        int start = 0;
        int end = text.length();
        AnchoredRules.Occurrences occ = rules.occurrences(s);
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= best || !rules.gated(occ, i)) {
                continue;
            }
            AnchoredRules.Match m = rules.first(s, occ, i);
            if (m != null) {
                best = weights[i];
                bestRule = i;
                start = norm.originalStart(m.start());
                end = norm.originalEnd(m.end(), text);
            }
        }
        double p = classifier == null ? 0 : classifier.probability(s);
        if (end <= start) {
            start = 0;
            end = text.length();
        }
        return new Score(best, bestRule, start, end, p);
    }

    @Override
    public List<Detection> scan(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        Score score = score(text);
        double combined = score.combined();
        if (combined < threshold) {
            return List.of();
        }
        int start = score.rule() >= score.classifier() ? score.start() : 0;
        int end = score.rule() >= score.classifier() ? score.end() : text.length();
        return List.of(new Detection(FindingTypes.PROMPT_INJECTION, start, end, NAME, round(combined)));
    }

    static double round(double score) {
        return Math.round(score * 1000) / 1000.0;
    }
}
