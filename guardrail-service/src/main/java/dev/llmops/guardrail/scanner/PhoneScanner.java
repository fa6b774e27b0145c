package dev.llmops.guardrail.scanner;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Phone numbers found by libphonenumber with {@code Leniency.VALID}: numbers valid in the default region, and
 * numbers of any region written with {@code +CC}. libphonenumber already skips dates, times and most digit runs
 * that are not dialable numbers.
 * <p>
 * libphonenumber's matcher runs a large java.util.regex over the whole text (about 0.5 s for 200k chars of prose
 * here), so this scanner first finds runs of phone characters (digits, {@code +}, brackets and the separators
 * libphonenumber accepts) that hold at least {@link #minDigits} digits, and hands libphonenumber only those runs
 * with a few chars of context on each side, which its context checks (letters, dates, time stamps) need.
 */
public final class PhoneScanner implements Scanner {
    public static final String NAME = "phone";

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    /** Chars of context kept on each side of a run: enough for "ext. 1234" and libphonenumber's ":30" time check. */
    private static final int CONTEXT = 12;
    /** The shortest valid number written with +CC has 6 digits (checked over libphonenumber's example numbers). */
    private static final int MIN_INTERNATIONAL_DIGITS = 6;

    private final String defaultRegion;
    private final int minDigits;

    public PhoneScanner(String defaultRegion) {
        String region = defaultRegion.trim().toUpperCase(Locale.ROOT);
        if (!UTIL.getSupportedRegions().contains(region)) {
            throw new IllegalArgumentException("llmops.guardrail.phone.default-region '" + defaultRegion
                    + "' is not a region libphonenumber knows; use an ISO 3166 code such as US, GB, DE");
        }
        this.defaultRegion = region;
        this.minDigits = Math.min(MIN_INTERNATIONAL_DIGITS, shortestNationalNumber(region));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        int n = text.length();
        int windowStart = -1;
        int windowEnd = -1;
        int i = 0;
        while (i < n) {
            if (!isPhoneChar(text.charAt(i))) {
                i++;
                continue;
            }
            int runStart = i;
            int digits = 0;
            for (; i < n && isPhoneChar(text.charAt(i)); i++) {
                if (Character.isDigit(text.charAt(i))) {
                    digits++;
                }
            }
            if (digits < minDigits) {
                continue;
            }
            int ws = Math.max(0, runStart - CONTEXT);
            int we = Math.min(n, i + CONTEXT);
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

    private List<Detection> find(String text, int start, int end, List<Detection> out) {
        if (start < 0) {
            return out;
        }
        CharSequence window = start == 0 && end == text.length() ? text : text.subSequence(start, end);
        for (PhoneNumberMatch match : UTIL.findNumbers(window, defaultRegion, PhoneNumberUtil.Leniency.VALID,
                Long.MAX_VALUE)) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            String e164 = UTIL.format(match.number(), PhoneNumberFormat.E164);
            out.add(new Detection(FindingTypes.PHONE, start + match.start(), start + match.end(), NAME, 0.85, e164));
        }
        return out;
    }

    /** Digits (any script), plus signs, brackets and libphonenumber's VALID_PUNCTUATION, minus the letter x. */
    private static boolean isPhoneChar(char c) {
        if (c < 128) {
            return (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+'
                    || c == '/' || c == '[' || c == ']' || c == '~';
        }
        return Character.isDigit(c) || c == '\u00a0' || c == '\u00ad' || c == '\u200b' || c == '\u2060'
                || c == '\u3000' || (c >= '\u2010' && c <= '\u2015') || c == '\u2212' || c == '\u30fc'
                || (c >= '\uff0d' && c <= '\uff0f') || c == '\uff08' || c == '\uff09' || c == '\uff0b'
                || c == '\uff3b' || c == '\uff3d' || c == '\u2053' || c == '\u223c' || c == '\uff5e';
    }

    /** Shortest national significant number among the region's example numbers. */
    private static int shortestNationalNumber(String region) {
        int min = Integer.MAX_VALUE;
        for (PhoneNumberType type : PhoneNumberType.values()) {
            PhoneNumber example = UTIL.getExampleNumberForType(region, type);
            if (example != null) {
                min = Math.min(min, UTIL.getNationalSignificantNumber(example).length());
            }
        }
        return min == Integer.MAX_VALUE ? MIN_INTERNATIONAL_DIGITS : min;
    }
}
