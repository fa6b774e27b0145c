package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * International bank account numbers (ISO 13616): two-letter country, two check digits, then the country's BBAN,
 * written compact or in groups of four. Only strings with the right length for their country that pass the mod-97
 * check are reported, so a random match is about 1 in 100 even before the length check.
 */
public final class IbanScanner implements Scanner {
    public static final String NAME = "iban";

    private static final Pattern CANDIDATE = Pattern.compile(
            "\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\\b");

    /** IBAN length per country (SWIFT IBAN registry). */
    private static final Map<String, Integer> LENGTHS = lengths(
            "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29 ES24"
            + " FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28"
            + " LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24"
            + " RS22 SA24 SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20");

    private static Map<String, Integer> lengths(String spec) {
        java.util.HashMap<String, Integer> m = new java.util.HashMap<>();
        for (String s : spec.split(" ")) {
            m.put(s.substring(0, 2), Integer.parseInt(s.substring(2)));
        }
        return Map.copyOf(m);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        if (!hasUpperPairThenDigits(text)) {
            return List.of();
        }
        List<Detection> out = null;
        Matcher m = CANDIDATE.matcher(text);
        while (m.find()) {
            String compact = text.substring(m.start(), m.end()).replace(" ", "");
            Integer expected = LENGTHS.get(compact.substring(0, 2));
            if (expected == null || compact.length() != expected || !mod97(compact)) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(1);
            }
            out.add(new Detection(FindingTypes.IBAN, m.start(), m.end(), NAME, 0.95, compact));
        }
        return out == null ? List.of() : out;
    }

    /** Cheap gate: an IBAN starts with two capitals and two digits. */
    private static boolean hasUpperPairThenDigits(String text) {
        for (int i = 0; i + 3 < text.length(); i++) {
            char a = text.charAt(i);
            if (a >= 'A' && a <= 'Z') {
                char b = text.charAt(i + 1);
                if (b >= 'A' && b <= 'Z' && Character.isDigit(text.charAt(i + 2)) && Character.isDigit(text.charAt(i + 3))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** ISO 7064 mod 97-10: move the first four chars to the end, letters to 10..35, the number mod 97 must be 1. */
    static boolean mod97(String iban) {
        int rem = 0;
        int n = iban.length();
        for (int k = 0; k < n; k++) {
            char c = iban.charAt((k + 4) % n);
            if (c >= '0' && c <= '9') {
                rem = (rem * 10 + (c - '0')) % 97;
            } else if (c >= 'A' && c <= 'Z') {
                rem = (rem * 100 + (c - 'A' + 10)) % 97;
            } else {
                return false;
            }
        }
        return rem == 1;
    }
}
