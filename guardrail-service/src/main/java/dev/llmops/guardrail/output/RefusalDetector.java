package dev.llmops.guardrail.output;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.List;

/**
 * Answers in which the model declined ("I'm sorry, but I can't help with that", "As an AI language model, I cannot").
 * Looked for in the first 300 chars only: a refusal leads the answer, and a long answer that later says "I cannot
 * guarantee" is not one. Useful to count (the app is not getting answers) and to route to a fallback model.
 */
public final class RefusalDetector {
    public static final String NAME = "refusal";
    private static final int HEAD = 300;

    private static final Pattern REFUSAL = Pattern.compile("(?i)(?:^|[.!\\n]\\s*)(?:(?:i'?m|i am) (?:really |very )?"
            + "sorry,? (?:but )?)?(?:i|we) (?:can(?:no|')t|cannot|won'?t|will not|am (?:not able|unable)|'m (?:not able|"
            + "unable)|am not (?:allowed|permitted)|must (?:decline|refuse)|do not|don'?t) (?:to )?(?:help|assist|"
            + "provide|comply|do that|fulfil+|answer|share|generate|create|write|engage|support|continue|discuss)"
            + "|as an ai(?: language model)?,? i (?:can(?:no|')t|cannot|don'?t|am not|do not)"
            + "|i'?m (?:sorry|afraid),? (?:but )?(?:that|this) (?:is not|isn'?t) something i can"
            + "|(?:this|that|your) request (?:goes against|violates|is against) (?:my|our|the) (?:guidelines|policies|"
            + "policy|rules)");

    public List<Detection> check(String content) {
        String head = content.length() > HEAD ? content.substring(0, HEAD) : content;
        Matcher m = REFUSAL.matcher(head);
        if (!m.find()) {
            return List.of();
        }
        int start = m.start();
        while (start < m.end() && !Character.isLetter(head.charAt(start))) {
            start++;
        }
        return List.of(new Detection(FindingTypes.REFUSAL, start, m.end(), NAME, 0.85));
    }
}
