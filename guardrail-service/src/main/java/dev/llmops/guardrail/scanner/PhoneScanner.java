package dev.llmops.guardrail.scanner;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadataCollection;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;
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
 * <p>
 * Ids and time stamps ("#48213-1764921530123456789") cost libphonenumber tens of microseconds each to reject, so a
 * run that provably cannot parse is skipped: only digits and hyphens (no separator at which libphonenumber would
 * split it into inner candidates, no '+'), no digit in the context around it (so the run is the only candidate),
 * a first digit that cannot begin the default region's international prefix, national prefix or country code (so
 * parsing strips nothing in front), and more than 17 digits once a trailing extension group of up to 5 digits is
 * set aside: libphonenumber rejects such a number as too long (its MAX_LENGTH_FOR_NSN).
 */
public final class PhoneScanner implements Scanner {
    public static final String NAME = "phone";

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    /** Chars of context kept on each side of a run: enough for "ext. 1234" and libphonenumber's ":30" time check. */
    private static final int CONTEXT = 12;
    /** The shortest valid number written with +CC has 6 digits (checked over libphonenumber's example numbers). */
    private static final int MIN_INTERNATIONAL_DIGITS = 6;

    /** libphonenumber's MAX_LENGTH_FOR_NSN: a longer national number is rejected as TOO_LONG. */
    private static final int MAX_NSN = 17;
    /** Longest extension libphonenumber takes from a run of digits and hyphens ("-12345#"). */
    private static final int MAX_HYPHEN_EXTENSION = 5;

    private final String defaultRegion;
    private final int minDigits;
    /** Digits that can begin a prefix that parsing strips in the default region (IDD, national prefix, country code). */
    private final boolean[] prefixStart;

    public PhoneScanner(String defaultRegion) {
        String region = defaultRegion.trim().toUpperCase(Locale.ROOT);
        if (!UTIL.getSupportedRegions().contains(region)) {
            throw new IllegalArgumentException("llmops.guardrail.phone.default-region '" + defaultRegion
                    + "' is not a region libphonenumber knows; use an ISO 3166 code such as US, GB, DE");
        }
        this.defaultRegion = region;
        this.minDigits = Math.min(MIN_INTERNATIONAL_DIGITS, shortestNationalNumber(region));
        this.prefixStart = prefixStartDigits(region);
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
            if (digits < minDigits || cannotParse(text, runStart, i)) {
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

    /** True when libphonenumber provably finds nothing in text[start, end) (see the class comment). */
    boolean cannotParse(String text, int start, int end) {
        int digits = 0;
        int group = 0;
        int first = -1;
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (c >= '0' && c <= '9') {
                digits++;
                group++;
                if (first < 0) {
                    first = c - '0';
                }
            } else if (c == '-') {
                group = 0;
            } else {
                return false;
            }
        }
        if (first < 0 || prefixStart[first]) {
            return false;
        }
        int nsn = digits - (group <= MAX_HYPHEN_EXTENSION && group < digits ? group : 0);
        if (nsn <= MAX_NSN) {
            return false;
        }
        for (int k = Math.max(0, start - CONTEXT), e = Math.min(text.length(), end + CONTEXT); k < e; k++) {
            if ((k < start || k >= end) && Character.isDigit(text.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Digits d such that a number starting with d may lose a prefix when parsed for {@code region}: its international
     * (IDD) prefix, national prefix (for parsing) or country code could start with d. Read from libphonenumber's own
     * metadata resource; a regex "could start with d" is asked with {@code hitEnd}. When the metadata cannot be read,
     * every digit counts (the shortcut is then off).
     */
    static boolean[] prefixStartDigits(String region) {
        boolean[] out = new boolean[10];
        PhoneMetadata metadata = metadata(region);
        if (metadata == null) {
            java.util.Arrays.fill(out, true);
            return out;
        }
        String cc = Integer.toString(metadata.getCountryCode());
        out[cc.charAt(0) - '0'] = true;
        for (String prefix : new String[] {metadata.getInternationalPrefix(), metadata.getNationalPrefixForParsing(),
                metadata.getNationalPrefix(), metadata.getPreferredInternationalPrefix()}) {
            if (prefix == null || prefix.isEmpty()) {
                continue;
            }
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(prefix);
            for (int d = 0; d <= 9; d++) {
                java.util.regex.Matcher m = p.matcher(Integer.toString(d));
                if (m.lookingAt() || m.hitEnd()) {
                    out[d] = true;
                }
            }
        }
        return out;
    }

    private static PhoneMetadata metadata(String region) {
        String resource = "com/google/i18n/phonenumbers/data/PhoneNumberMetadataProto_" + region;
        try (InputStream in = PhoneNumberUtil.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            PhoneMetadataCollection collection = new PhoneMetadataCollection();
            collection.readExternal(new ObjectInputStream(in));
            return collection.getMetadataCount() == 0 ? null : collection.getMetadataList().get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read libphonenumber's metadata for " + region, e);
        }
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
