package dev.llmops.guardrail.scanner;

import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Phone numbers found by libphonenumber with {@code Leniency.VALID}: numbers valid in the default region, and
 * numbers of any region written with {@code +CC}. libphonenumber already skips dates, times and most digit runs
 * that are not dialable numbers. Its matcher uses java.util.regex with bounded patterns; the text it sees is bounded
 * by {@code llmops.guardrail.max-input-chars}.
 */
public final class PhoneScanner implements Scanner {
    public static final String NAME = "phone";

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private final String defaultRegion;

    public PhoneScanner(String defaultRegion) {
        String region = defaultRegion.trim().toUpperCase(Locale.ROOT);
        if (!UTIL.getSupportedRegions().contains(region)) {
            throw new IllegalArgumentException("llmops.guardrail.phone.default-region '" + defaultRegion
                    + "' is not a region libphonenumber knows; use an ISO 3166 code such as US, GB, DE");
        }
        this.defaultRegion = region;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        if (!hasEnoughDigits(text)) {
            return List.of();
        }
        List<Detection> out = null;
        for (PhoneNumberMatch match : UTIL.findNumbers(text, defaultRegion, PhoneNumberUtil.Leniency.VALID,
                Long.MAX_VALUE)) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            String e164 = UTIL.format(match.number(), PhoneNumberFormat.E164);
            out.add(new Detection(FindingTypes.PHONE, match.start(), match.end(), NAME, 0.85, e164));
        }
        return out == null ? List.of() : out;
    }

    /** Cheap pre-check: no valid number has fewer than 7 digits, so most prose skips libphonenumber entirely. */
    private static boolean hasEnoughDigits(String text) {
        int digits = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9' && ++digits >= 7) {
                return true;
            }
        }
        return false;
    }
}
