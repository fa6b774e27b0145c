package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Person names without a statistical NER model (none that fits is published on Maven Central): dictionary plus
 * context rules, scored like Presidio's pattern recognisers.
 * <ul>
 *   <li>a title ("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.") followed by one to three capitalised words: 0.85;</li>
 *   <li>an introducing phrase ("my name is", "I am", "I'm", "name:", "patient", "signed", "contact") followed by one
 *   to three capitalised words: 0.85;</li>
 *   <li>a known given name ({@code guardrail/first-names.txt}) followed by a capitalised word: 0.75;</li>
 *   <li>a known given name alone after a greeting or sign-off ("Dear", "Hi", "Thanks", "Regards"): 0.6.</li>
 * </ul>
 * Lower-case names, names from other scripts and unknown given names without context are missed; the measured
 * recall is in the README.
 */
public final class PersonNameScanner implements Scanner {
    public static final String NAME = "person-name";

    private static final String CAP = "[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?";
    private static final String CAPS = CAP + "(?: " + CAP + "){0,2}";
    private static final Pattern TITLED = Pattern.compile("\\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam|Mx)\\.? (" + CAPS
            + ")");
    private static final Pattern INTRODUCED = Pattern.compile("(?i:\\bmy name is|\\bi am|\\bi'm|\\bname:|\\bpatient:?"
            + "|\\bsigned:?|\\bcontact person:?|\\bcalled|\\bnamed|\\bemployee:?|\\bcustomer:?) (" + CAPS + ")");
    private static final String[] TITLES = {"Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sir", "Madam", "Mx"};
    private static final String[] INTRODUCERS = {"my name is", "i am", "i'm", "name:", "patient", "signed",
        "contact person", "called", "named", "employee", "customer"};
    private static final String[] GREETING = {"dear ", "hi ", "hello ", "hey ", "thanks ", "thank you ", "regards",
        "cheers", "sincerely", "best,", "ask ", "tell ", "cc "};
    /** Capitalised words that follow "I am" without being a name. */
    private static final Set<String> NOT_NAMES = Set.of("Not", "The", "A", "An", "In", "On", "At", "From", "Here",
            "Sorry", "Happy", "Glad", "Going", "Looking", "Trying", "Working", "Writing", "Calling", "Interested",
            "Unable", "Able", "Sure", "New", "Very", "So", "Also", "Still", "Just", "Now", "Okay", "Ok", "Fine",
            "Good", "Afraid", "English", "American", "British", "German", "French", "It", "This", "That", "Is",
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
            "March", "April", "May", "June", "July", "August", "September", "October", "November", "December");

    private final Set<String> firstNames;

    public PersonNameScanner() {
        this.firstNames = load("guardrail/first-names.txt");
    }

    private static Set<String> load(String resource) {
        var in = PersonNameScanner.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(resource + " is not on the class path");
        }
        Set<String> out = new HashSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                line = line.trim();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(out);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        List<Detection> out = new ArrayList<>(0);
        contextual(text, text, TITLED, TITLES, 0.85, out);
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        // Windows are found in the lower-cased copy; if case folding changed the length, search the whole text.
        contextual(text, lower.length() == text.length() ? lower : null, INTRODUCED, INTRODUCERS, 0.85, out);
        dictionary(text, out);
        return out.isEmpty() ? List.of() : out;
    }

    /** Capitalised known given names, with the next capitalised word as the surname; no regex, one pass. */
    private void dictionary(String text, List<Detection> out) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (!(c >= 'A' && c <= 'Z') || (i > 0 && Character.isLetterOrDigit(text.charAt(i - 1)))) {
                i++;
                continue;
            }
            int end = wordEnd(text, i);
            if (end - i < 2 || !firstNames.contains(text.substring(i, end))) {
                i = Math.max(end, i + 1);
                continue;
            }
            int next = end + 1;
            int surnameEnd = next < n && text.charAt(end) == ' ' && Character.isUpperCase(text.charAt(next))
                    ? wordEnd(text, next) : -1;
            if (surnameEnd > next + 1 && !NOT_NAMES.contains(text.substring(next, surnameEnd))) {
                out.add(new Detection(FindingTypes.PERSON, i, surnameEnd, NAME, 0.75));
                i = surnameEnd;
                continue;
            }
            if (ContextWords.any(ContextWords.before(text, i, 16), GREETING)
                    || (i == 0 && end < n && text.charAt(end) == ',')) {
                out.add(new Detection(FindingTypes.PERSON, i, end, NAME, 0.6));
            }
            i = end;
        }
    }

    /** End of a name word: letters, with inner hyphens/apostrophes ("Jean-Pierre", "O'Neil"). */
    private static int wordEnd(String text, int start) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isLetter(c)) {
                i++;
            } else if ((c == '-' || c == '\'') && i + 1 < text.length() && Character.isLetter(text.charAt(i + 1))) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    /**
     * Matches of {@code pattern} that start at an occurrence of one of the literals (found in {@code haystack}; null =
     * search the whole text), each within 80 chars after it. Both patterns begin with their literal, so an anchored
     * RE2/J match from each occurrence (left to right, skipping occurrences inside the previous match) finds what a
     * search of the windows would, without RE2/J's unanchored scan (its cost is per char scanned).
     */
    private static void contextual(String text, String haystack, Pattern pattern, String[] literals, double score,
            List<Detection> out) {
        if (haystack == null) {
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                add(m.start(1), m.end(1), m.group(1), score, out);
            }
            return;
        }
        int[] starts = occurrences(haystack, literals);
        int from = 0;
        for (int k = 0; k < starts.length; k++) {
            int at = starts[k];
            // The match is tried on text from the literal on, so the patterns' leading \b always holds, as it did at a
            // window's start; glued text ("Himy name is Ann", "00Dr. Jane Smith") keeps its names.
            if (at < from || (k > 0 && starts[k - 1] == at)) {
                continue;
            }
            int end = Math.min(text.length(), at + longest(haystack, at, literals) + 80);
            Matcher m = pattern.matcher(text.subSequence(at, end));
            if (m.lookingAt()) {
                add(at + m.start(1), at + m.end(1), m.group(1), score, out);
                from = at + m.end();
            }
        }
    }

    /** Sorted start indexes of every occurrence of every literal. */
    private static int[] occurrences(String haystack, String[] literals) {
        int[] out = new int[8];
        int count = 0;
        for (String l : literals) {
            for (int at = haystack.indexOf(l); at >= 0; at = haystack.indexOf(l, at + 1)) {
                if (count == out.length) {
                    out = java.util.Arrays.copyOf(out, count * 2);
                }
                out[count++] = at;
            }
        }
        int[] sorted = java.util.Arrays.copyOf(out, count);
        java.util.Arrays.sort(sorted);
        return sorted;
    }

    /** Length of the longest literal occurring at {@code at} (the window used to be literal + 80 chars). */
    private static int longest(String haystack, int at, String[] literals) {
        int best = 0;
        for (String l : literals) {
            if (l.length() > best && haystack.startsWith(l, at)) {
                best = l.length();
            }
        }
        return best;
    }

    private static void add(int s, int e, String name, double score, List<Detection> out) {
        int space = name.indexOf(' ');
        String first = space < 0 ? name : name.substring(0, space);
        if (NOT_NAMES.contains(first)) {
            return;
        }
        // Drop trailing words that are clearly not part of the name ("Dr. Smith Said").
        String[] words = name.split(" ");
        int keep = words.length;
        while (keep > 1 && NOT_NAMES.contains(words[keep - 1])) {
            keep--;
        }
        if (keep < words.length) {
            e = s + String.join(" ", java.util.Arrays.copyOf(words, keep)).length();
        }
        out.add(new Detection(FindingTypes.PERSON, s, e, NAME, score));
    }

}
