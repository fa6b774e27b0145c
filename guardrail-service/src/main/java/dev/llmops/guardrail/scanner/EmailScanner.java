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

    /**
     * RE2/J runs per '@' only over the address chars around it: back over local-part chars (at most
     * {@link #MAX_LOCAL} + 1, and not into the previous match, as one pass over the text would not), forward over
     * domain chars (at most {@link #MAX_DOMAIN} + 2), plus one char for the closing \\b. A match holds only such
     * chars, so it lies in that window.
     */
    @Override
    public List<Detection> scan(String text) {
        if (text.indexOf('@') < 0) {
            return List.of();
        }
        List<Detection> out = null;
        int n = text.length();
        int lastEnd = 0;
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            if (at < lastEnd) {
                continue;
            }
            int ws = at;
            int floor = Math.max(lastEnd, at - MAX_LOCAL - 1);
            while (ws > floor && localChar(text.charAt(ws - 1))) {
                ws--;
            }
            int we = at + 1;
            int ceiling = Math.min(n, at + MAX_DOMAIN + 2);
            while (we < ceiling && domainChar(text.charAt(we))) {
                we++;
            }
            Matcher m = EMAIL.matcher(text.subSequence(ws, Math.min(n, we + 1)));
            while (m.find()) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                int s = ws + m.start();
                int e = ws + m.end();
                out.add(new Detection(FindingTypes.EMAIL, s, e, NAME, 0.95,
                        text.substring(s, e).toLowerCase(Locale.ROOT)));
                lastEnd = e;
            }
        }
        return out == null ? List.of() : out;
    }

    private static boolean localChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '%'
                || c == '+' || c == '-' || c == '.';
    }

    private static boolean domainChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    }
}
