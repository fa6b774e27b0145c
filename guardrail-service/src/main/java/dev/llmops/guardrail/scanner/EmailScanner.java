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
    /** RFC 5321 limits: 64 chars of local part, 255 of domain. Longer ones are not addresses. */
    private static final int MAX_LOCAL = 64;
    private static final int MAX_DOMAIN = 255;

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
        int n = text.length();
        int windowStart = -1;
        int windowEnd = -1;
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int ws = Math.max(0, at - MAX_LOCAL - 1);
            int we = Math.min(n, at + MAX_DOMAIN + 2);
            if (windowEnd >= ws) {
                windowEnd = we;
            } else {
                out = find(text, windowStart, windowEnd, out);
                windowStart = ws;
                windowEnd = we;
            }
        }
        out = find(text, windowStart, windowEnd, out);
        return out == null ? List.of() : out;
    }

    /** RE2/J over the text around one or more '@' only: a long text with a few addresses costs microseconds. */
    private static List<Detection> find(String text, int start, int end, List<Detection> out) {
        if (start < 0) {
            return out;
        }
        Matcher m = EMAIL.matcher(start == 0 && end == text.length() ? text : text.subSequence(start, end));
        while (m.find()) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            String canonical = text.substring(start + m.start(), start + m.end()).toLowerCase(Locale.ROOT);
            out.add(new Detection(FindingTypes.EMAIL, start + m.start(), start + m.end(), NAME, 0.95, canonical));
        }
        return out;
    }
}
