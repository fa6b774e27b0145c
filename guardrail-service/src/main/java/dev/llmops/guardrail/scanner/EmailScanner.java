package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** E-mail addresses with an ASCII local part and a dotted domain ending in a 2+ letter TLD (RE2/J, linear time). */
public final class EmailScanner implements Scanner {
    public static final String NAME = "email";

    // Local part: dot-separated atoms (no leading, trailing or double dot). Domain: labels that start and end with an
    // alphanumeric. The trailing \b stops "a@b.com1" from matching as "a@b.com".
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9_%+\\-]+(?:\\.[A-Za-z0-9_%+\\-]+)*"
                    + "@(?:[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\b");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        if (text.indexOf('@') < 0) {
            return List.of();
        }
        List<Detection> out = null;
        Matcher m = EMAIL.matcher(text);
        while (m.find()) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            String canonical = text.substring(m.start(), m.end()).toLowerCase(Locale.ROOT);
            out.add(new Detection(FindingTypes.EMAIL, m.start(), m.end(), NAME, 0.95, canonical));
        }
        return out == null ? List.of() : out;
    }
}
