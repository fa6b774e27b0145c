package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * US social security numbers: AAA-GG-SSSS (dashes, spaces or none) with the SSA's structural rules: area not 000,
 * 666 or 900-999, group not 00, serial not 0000, and not one of the numbers famous for being published. Context
 * words decide the score: a formatted number scores 0.6, 0.9 after "SSN"/"social security"; nine bare digits are
 * only reported next to such a word; "order", "invoice", "tracking" and the like lower the score to 0.3.
 */
public final class UsSsnScanner implements Scanner {
    public static final String NAME = "us-ssn";

    private static final Pattern CANDIDATE = Pattern.compile(
            "\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b|\\b[0-9]{3} [0-9]{2} [0-9]{4}\\b|\\b[0-9]{9}\\b");
    private static final String[] POSITIVE = {"ssn", "social security", "social sec", "ss#", "ss #", "ssa",
        "taxpayer", "tin", "itin"};
    private static final String[] NEGATIVE = {"order", "invoice", "tracking", "ticket", "ref", "isbn", "part",
        "serial", "account", "routing", "phone", "tel", "fax", "zip"};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        // Candidates only in runs of digits joined by single spaces or dashes that hold 9 to 40 digits.
        int n = text.length();
        int i = 0;
        while (i < n) {
            char first = text.charAt(i);
            // ASCII digits only, as in the run below: a full-width digit here once made this loop spin forever.
            if (first < '0' || first > '9') {
                i++;
                continue;
            }
            int runStart = i;
            int digits = 0;
            while (i < n) {
                char c = text.charAt(i);
                if (c >= '0' && c <= '9') {
                    digits++;
                    i++;
                } else if ((c == ' ' || c == '-') && i + 1 < n && text.charAt(i + 1) >= '0'
                        && text.charAt(i + 1) <= '9') {
                    i++;
                } else {
                    break;
                }
            }
            if (digits >= 9 && digits <= 40) {
                out = candidates(text, Math.max(0, runStart - 1), Math.min(n, i + 1), out);
            }
        }
        return out == null ? List.of() : out;
    }

    private static List<Detection> candidates(String text, int from, int to, List<Detection> out) {
        Matcher m = CANDIDATE.matcher(text.subSequence(from, to));
        while (m.find()) {
            int s = from + m.start();
            int e = from + m.end();
            // Part of a longer number such as 123-45-6789-0 or a decimal.
            if ((s > 0 && (text.charAt(s - 1) == '-' || text.charAt(s - 1) == '.'))
                    || (e < text.length() && (text.charAt(e) == '-' || (text.charAt(e) == '.' && e + 1 < text.length()
                    && Character.isDigit(text.charAt(e + 1)))))) {
                continue;
            }
            String digits = text.substring(s, e).replaceAll("[^0-9]", "");
            if (!valid(digits)) {
                continue;
            }
            String ctx = ContextWords.before(text, s, 40);
            boolean positive = ContextWords.any(ctx, POSITIVE);
            boolean negative = ContextWords.any(ctx, NEGATIVE);
            boolean bare = e - s == 9;
            double score;
            if (positive) {
                score = 0.9;
            } else if (bare) {
                continue;
            } else {
                score = negative ? 0.3 : 0.6;
            }
            if (score < 0.5) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(1);
            }
            out.add(new Detection(FindingTypes.US_SSN, s, e, NAME, score, digits));
        }
        return out; // null while nothing is found: List.of() here broke the next run's add()
    }

    static boolean valid(String d) {
        int area = Integer.parseInt(d.substring(0, 3));
        int group = Integer.parseInt(d.substring(3, 5));
        int serial = Integer.parseInt(d.substring(5));
        if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
            return false;
        }
        // Woolworth's wallet card and the 1962 ad: published, never anyone's.
        return !d.equals("078051120") && !d.equals("219099999") && !d.equals("123456789");
    }
}
