package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * Street addresses by shape, no gazetteer: US/UK style "221B Baker Street", "1600 Pennsylvania Ave NW, Apt 4,
 * Washington, DC 20500" (house number, one to four capitalised words, a street suffix, then optional unit, city,
 * state/ZIP or UK postcode), and German/Dutch style "Hauptstraße 12a, 10115 Berlin". PO boxes too.
 */
public final class StreetAddressScanner implements Scanner {
    public static final String NAME = "street-address";

    private static final String SUFFIX = "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
            + "Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Close|Crescent|"
            + "Gardens|Row|Alley|Plaza|Walk)\\.?";
    private static final Pattern US_UK = Pattern.compile("\\b[0-9]{1,6}[A-Za-z]? (?:[A-Z][a-z]+\\.? ){1,4}" + SUFFIX
            + "(?: (?:N|S|E|W|NE|NW|SE|SW)\\b)?"
            + "(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|#) ?[0-9A-Za-z\\-]{1,6})?"
            + "(?:, [A-Z][a-z]+(?: [A-Z][a-z]+){0,2})?"
            + "(?:,? [A-Z]{2} [0-9]{5}(?:-[0-9]{4})?|,? [A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})?");
    private static final Pattern EUROPEAN = Pattern.compile("\\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\\.|weg|gasse|"
            + "platz|allee|ring|damm|ufer|straat|laan|gracht|plein) [0-9]{1,4}[a-z]?"
            + "(?:, ?[0-9]{4,5} [A-ZÄÖÜ][a-zäöüß]+)?");
    private static final String[] SUFFIX_WORDS = {" Street", " St", " Avenue", " Ave", " Road", " Rd", " Boulevard",
        " Blvd", " Lane", " Ln", " Drive", " Dr", " Court", " Ct", " Way", " Place", " Pl", " Terrace", " Ter",
        " Parkway", " Pkwy", " Circle", " Cir", " Highway", " Hwy", " Square", " Sq", " Trail", " Trl", " Close",
        " Crescent", " Gardens", " Row", " Alley", " Plaza", " Walk"};
    private static final String[] EUROPEAN_WORDS = {"straße ", "strasse ", "str. ", "weg ", "gasse ", "platz ",
        "allee ", "ring ", "damm ", "ufer ", "straat ", "laan ", "gracht ", "plein "};
    private static final Pattern PO_BOX = Pattern.compile("(?i)\\bP\\.? ?O\\.? Box [0-9]{1,6}\\b");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = null;
        // Each pattern runs only around the words it needs: a street suffix, a European suffix, "Box".
        out = findUsUk(text, out);
        out = find(text, EUROPEAN, EUROPEAN_WORDS, 40, 60, out);
        out = find(text, PO_BOX, new String[] {"Box", "BOX", "box"}, 12, 10, out);
        return out == null ? List.of() : out;
    }

    /**
     * US_UK starts with a house number after a word boundary: in each window around a street suffix, an anchored
     * RE2/J match is tried only at such digits (left to right, skipping digits inside the previous match), instead of
     * RE2/J's unanchored scan of the whole window, whose cost is per char.
     */
    private static List<Detection> findUsUk(String text, List<Detection> out) {
        if (!hasHouseNumber(text)) {
            return out; // most texts: no window is computed (36 suffix searches) and RE2/J never runs
        }
        for (int[] w : Windows.windows(text, SUFFIX_WORDS, 120, 120)) {
            int from = w[0];
            for (int i = w[0]; i < w[1]; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9' || i < from || (i > w[0] && wordChar(text.charAt(i - 1)))) {
                    continue;
                }
                Matcher m = US_UK.matcher(text.subSequence(i, w[1]));
                if (m.lookingAt()) {
                    if (out == null) {
                        out = new ArrayList<>(1);
                    }
                    out.add(new Detection(FindingTypes.STREET_ADDRESS, i, i + m.end(), NAME, 0.8));
                    from = i + m.end();
                }
            }
        }
        return out;
    }

    /** Where US_UK can start: up to six digits, an optional letter, a space and a capital ("221B Baker"). */
    static boolean hasHouseNumber(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int j = i;
            while (j < n && j - i < 6 && text.charAt(j) >= '0' && text.charAt(j) <= '9') {
                j++;
            }
            if (j < n && ((text.charAt(j) >= 'A' && text.charAt(j) <= 'Z') || (text.charAt(j) >= 'a'
                    && text.charAt(j) <= 'z'))) {
                j++;
            }
            if (j + 1 < n && text.charAt(j) == ' ' && text.charAt(j + 1) >= 'A' && text.charAt(j + 1) <= 'Z') {
                return true;
            }
        }
        return false;
    }

    /** RE2's \\b is ASCII. */
    private static boolean wordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    private static List<Detection> find(String text, Pattern p, String[] literals, int before, int after,
            List<Detection> out) {
        for (Windows.Match m : Windows.find(p, text, literals, before, after)) {
            if (out == null) {
                out = new ArrayList<>(1);
            }
            out.add(new Detection(FindingTypes.STREET_ADDRESS, m.start(), m.end(), NAME, 0.8));
        }
        return out;
    }
}
