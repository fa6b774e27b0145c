package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * Payment card numbers: 13 to 19 digits, optionally with single spaces or dashes between groups, that pass the Luhn
 * check. Candidates come from RE2/J (linear time); the Luhn check and the context checks run without allocating.
 */
public final class PaymentCardScanner implements Scanner {
    public static final String NAME = "payment-card";

    private static final Pattern CANDIDATE = Pattern.compile("\\b[0-9](?:[ \\-]?[0-9]){12,18}\\b");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            // A maximal run of digits joined by single spaces or dashes; no match of CANDIDATE crosses its ends.
            int runStart = i;
            int digits = 0;
            while (i < n) {
                char c = text.charAt(i);
                if (isDigit(c)) {
                    digits++;
                    i++;
                } else if ((c == ' ' || c == '-') && i + 1 < n && isDigit(text.charAt(i + 1))) {
                    i++;
                } else {
                    break;
                }
            }
            if (digits >= 13) {
                out = candidates(text, runStart, i, out);
            }
        }
        return out == null ? List.of() : out;
    }

    /** Runs CANDIDATE over one run plus one char each side, which is all that its \b needs to see. */
    private static List<Detection> candidates(String text, int runStart, int runEnd, List<Detection> out) {
        int offset = Math.max(0, runStart - 1);
        Matcher m = CANDIDATE.matcher(text.subSequence(offset, Math.min(text.length(), runEnd + 1)));
        while (m.find()) {
            int start = offset + m.start();
            int end = offset + m.end();
            if (partOfDecimal(text, start, end) || !luhnValid(text, start, end) || allZero(text, start, end)) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(1);
            }
            out.add(new Detection(FindingTypes.PAYMENT_CARD, start, end, NAME, 0.9, digitsOf(text, start, end)));
        }
        return out;
    }

    /** Luhn (mod 10) over the digits of text[start, end), separators skipped. */
    static boolean luhnValid(CharSequence text, int start, int end) {
        int sum = 0;
        boolean doubleIt = false;
        for (int i = end - 1; i >= start; i--) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (doubleIt) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /** "3.1415926535897932" or "1,234567890123456" is a number with a fraction or grouping, not a card. */
    private static boolean partOfDecimal(String text, int start, int end) {
        boolean before = start >= 2 && isPoint(text.charAt(start - 1)) && isDigit(text.charAt(start - 2));
        boolean after = end + 1 < text.length() && isPoint(text.charAt(end)) && isDigit(text.charAt(end + 1));
        return before || after;
    }

    private static boolean allZero(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c != '0' && c != ' ' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static String digitsOf(String text, int start, int end) {
        StringBuilder sb = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (isDigit(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isPoint(char c) {
        return c == '.' || c == ',';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
