package dev.llmops.guardrail.scanner;

import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.text.TextNormalizer;
import dev.llmops.guardrail.text.TextNormalizer.Normalized;
import java.util.ArrayList;
import java.util.List;

/**
 * Toxic language by category (INSULT, THREAT, HATE, SEXUAL, SELF_HARM, PROFANITY), from weighted lexicon patterns
 * over the normalised text (so "1d10t" and "іdiot" count). A term aimed at the reader ("you", "your") within a few
 * words before it scores 0.15 higher: "you idiot" is an insult, "the idiot box" much less so. One finding per
 * category, {@code TOXICITY_<CATEGORY>}, at the best match, with the category's score; below 0.5 nothing is reported.
 * The lexicons are deliberately small and written for this repository; see the README for measured accuracy.
 */
public final class ToxicityScanner implements Scanner {
    public static final String NAME = "toxicity";

    public enum Category { INSULT, THREAT, HATE, SEXUAL, SELF_HARM, PROFANITY }

    private record Term(Category category, double weight, AnchoredRules.Rule rule) {
    }

    private static final List<Term> TERMS = List.of(
            t(Category.INSULT, 0.6, "\\b(?:idiot|moron|imbecile|cretin|dumbass|dimwit|nitwit|halfwit|loser|"
                    + "retard(?:ed)?|stupid|dumb|pathetic|worthless|useless|incompetent|clown|jerk|scumbag|"
                    + "piece of (?:shit|garbage|trash)|waste of space|ugly|disgusting|freak)s?\\b",
                    "idiot|moron|imbecile|cretin|dumb|dimwit|nitwit|halfwit|loser|retard|stupid|pathetic|worthless|useless|incompetent|clown|jerk|scumbag|piece of|waste of|ugly|disgusting|freak",
                    "idiot|moron|imbecile|cretin|dumbass|dimwit|nitwit|halfwit|loser|retard|stupid|dumb|pathetic|worthless|useless|incompetent|clown|jerk|scumbag|piece of |waste of space|ugly|disgusting|freak"),
            t(Category.INSULT, 0.75, "\\b(?:shut up|screw you|go to hell|get lost|nobody likes you|"
                    + "you (?:suck|are (?:so )?(?:stupid|dumb|an idiot|a moron|worthless|pathetic|useless)))\\b",
                    "shut up|screw|hell|get lost|nobody|suck|stupid|dumb|idiot|moron|worthless|pathetic|useless",
                    "shut up|screw you|go to hell|get lost|nobody likes you|you "),
            t(Category.THREAT, 0.85, "\\b(?:i(?:'ll| will| am going to|'m going to|m gonna| gonna)|we(?:'ll| will)) "
                    + "(?:kill|murder|hurt|stab|shoot|beat|find|destroy|burn|rape|strangle) (?:you|u|him|her|them|"
                    + "your)\\b",
                    "kill|murder|hurt|stab|shoot|beat|find|destroy|burn|rape|strangle",
                    "i'll |i will |i am going to |i'm going to |im gonna |i gonna |we'll |we will "),
            t(Category.THREAT, 0.8, "\\b(?:you(?:'re| are) (?:dead|going to die|gonna die)|watch your back|"
                    + "i know where you live|you will pay for this|bomb (?:the|your)|shoot up (?:the|a))\\b",
                    "dead|die|watch your|where you live|pay for|bomb|shoot up",
                    "you're |you are |watch your back|i know where you live|you will pay for this|bomb |shoot up "),
            t(Category.HATE, 0.85, "\\b(?:all|those|these) (?:[a-z]+ )?(?:people|immigrants|foreigners|muslims|jews|"
                    + "christians|blacks|whites|gays|women|men) (?:are|should be) (?:animals|vermin|subhuman|"
                    + "parasites|exterminated|killed|wiped out|deported|rats|filth|inferior)\\b",
                    "animals|vermin|subhuman|parasites|exterminat|killed|wiped out|deported|rats|filth|inferior",
                    "all |those |these "),
            t(Category.HATE, 0.8, "\\b(?:go back to your (?:own )?country|subhuman|master race|ethnic cleansing|"
                    + "gas the|white power|heil hitler|race traitor)\\b",
                    "go back|subhuman|master race|ethnic|gas the|white power|heil|race traitor",
                    "go back to your |subhuman|master race|ethnic cleansing|gas the|white power|heil hitler|race traitor"),
            t(Category.SEXUAL, 0.7, "\\b(?:porn(?:ography)?|nude[s]?|naked pics|sext(?:ing)?|blowjob|handjob|"
                    + "orgasm|erotic|xxx|nsfw|send nudes|have sex with)\\b",
                    "porn|nude|naked|sext|blowjob|handjob|orgasm|erotic|xxx|nsfw|sex with",
                    "porn|nude|naked pics|sext|blowjob|handjob|orgasm|erotic|xxx|nsfw|send nudes|have sex with"),
            t(Category.SELF_HARM, 0.85, "\\b(?:kill myself|end my life|suicide|suicidal|cut myself|self[- ]harm|"
                    + "want to die|hang myself|overdose on|no reason to live)\\b",
                    "kill myself|end my life|suicid|cut myself|harm|want to die|hang myself|overdose|reason to live",
                    "kill myself|end my life|suicid|cut myself|self|want to die|hang myself|overdose on|no reason to live"),
            t(Category.PROFANITY, 0.55, "\\b(?:fuck(?:ing|ed|er|s)?|shit(?:ty|s)?|bitch(?:es)?|bastard|asshole|"
                    + "dickhead|cunt|motherfucker|bullshit|crap|damn|wtf|stfu)\\b",
                    "fuck|shit|bitch|bastard|asshole|dickhead|cunt|crap|damn|wtf|stfu",
                    "fuck|shit|bitch|bastard|asshole|dickhead|cunt|motherfucker|bullshit|crap|damn|wtf|stfu"));

    private static final Pattern AIMED = Pattern.compile("\\b(?:you|your|you're|u|ur|yourself)\\b");

    /** The terms' rules, in TERMS order: gates as before, anchors = the words a match starts with. */
    private static final AnchoredRules RULES = new AnchoredRules(TERMS.stream().map(Term::rule).toList());

    private static Term t(Category category, double weight, String regex, String gates, String anchors) {
        Pattern.compile(regex); // must also be valid RE2 (no back-references or look-around); bounded repetitions only
        return new Term(category, weight, new AnchoredRules.Rule(java.util.regex.Pattern.compile(regex),
                gates.split("\\|"), anchors.split("\\|"), false));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The score of each category in [0, 1] (0 when nothing matched), for the harness and explanations. */
    public double[] scores(String text) {
        return analyse(text, null);
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = new ArrayList<>(0);
        analyse(text, out);
        return out.isEmpty() ? List.of() : out;
    }

    private static double[] analyse(String text, List<Detection> out) {
        double[] best = new double[Category.values().length];
        if (text.isBlank()) {
            return best;
        }
        Normalized norm = TextNormalizer.normalizeShared(text);
        String s = norm.text();
        int[][] spans = new int[best.length][];
        AnchoredRules.Occurrences occ = RULES.occurrences(s);
        for (int r = 0; r < TERMS.size(); r++) {
            Term term = TERMS.get(r);
            int c = term.category().ordinal();
            if (term.weight() + 0.15 <= best[c] || !RULES.gated(occ, r)) {
                continue;
            }
            for (AnchoredRules.Match m : RULES.all(s, occ, r)) {
                double score = term.weight();
                int from = Math.max(0, m.start() - 24);
                if (term.category() == Category.INSULT || term.category() == Category.PROFANITY) {
                    if (AIMED.matcher(s.substring(from, m.start())).find()) {
                        score += 0.15;
                    }
                }
                if (score > best[c]) {
                    best[c] = Math.min(1.0, score);
                    spans[c] = new int[] {m.start(), m.end()};
                }
            }
        }
        if (out != null) {
            for (Category category : Category.values()) {
                int c = category.ordinal();
                if (best[c] >= 0.5 && spans[c] != null) {
                    int start = norm.originalStart(spans[c][0]);
                    int end = norm.originalEnd(spans[c][1], text);
                    if (end > start) {
                        out.add(new Detection(FindingTypes.TOXICITY_PREFIX + category.name(), start, end, NAME,
                                PromptInjectionScanner.round(best[c])));
                    }
                }
            }
        }
        return best;
    }
}
