package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * Dates of birth: a date (12/03/1985, 1985-03-12, 12.03.1985, March 12, 1985, 12 March 1985, 12th of March 1985)
 * reported only in context: a birth word within 40 chars before it ("born", "date of birth", "DOB", "birthday",
 * "birthdate", "geboren", "né le"). A date on its own is not personal data.
 */
public final class DateOfBirthScanner implements Scanner {
    public static final String NAME = "date-of-birth";

    private static final String MONTH = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
            + "aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
    private static final Pattern DATE = Pattern.compile("(?i)\\b(?:"
            + "[0-9]{1,2}[/.\\-][0-9]{1,2}[/.\\-](?:19|20)?[0-9]{2}"
            + "|(?:19|20)[0-9]{2}[/.\\-][0-9]{1,2}[/.\\-][0-9]{1,2}"
            + "|" + MONTH + " [0-9]{1,2}(?:st|nd|rd|th)?,? (?:19|20)[0-9]{2}"
            + "|[0-9]{1,2}(?:st|nd|rd|th)?(?: of)? " + MONTH + ",? (?:19|20)[0-9]{2}"
            + ")\\b");
    private static final String[] CONTEXT = {"born", "birth", "dob", "d.o.b", "b-day", "bday", "geboren",
        "né le", "née le", "fecha de nacimiento", "nacido", "age on"};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        if (lower.length() != text.length() || !Windows.any(lower, CONTEXT)) {
            if (lower.length() == text.length()) {
                return List.of();
            }
            lower = null;
        }
        List<Detection> out = null;
        // Dates only where a birth word precedes them within 40 chars: windows from each such word.
        List<int[]> windows = lower == null ? List.of(new int[] {0, text.length()})
                : Windows.windows(lower, CONTEXT, 0, 40 + 30);
        for (int[] w : windows) {
            Matcher m = DATE.matcher(text.subSequence(w[0], w[1]));
            while (m.find()) {
                int s = w[0] + m.start();
                int e = w[0] + m.end();
                if (!ContextWords.any(ContextWords.before(text, s, 40), CONTEXT)) {
                    continue;
                }
                if (out == null) {
                    out = new ArrayList<>(1);
                }
                out.add(new Detection(FindingTypes.DATE_OF_BIRTH, s, e, NAME, 0.85));
            }
        }
        return out == null ? List.of() : out;
    }
}
