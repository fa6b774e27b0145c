package dev.llmops.guardrail.scanner;

import java.util.Locale;

/**
 * Presidio-style context: words shortly before (or after) a candidate raise or lower its score. "SSN 123-45-6789"
 * is surely a social security number, "order 123-45-6789" probably is not. Lookups are substring checks on a small
 * lower-cased window, so they cost a few hundred nanoseconds.
 */
final class ContextWords {

    private ContextWords() {
    }

    /** The lower-cased text within {@code before} chars ahead of {@code start} and {@code after} chars past end. */
    static String window(String text, int start, int end, int before, int after) {
        int s = Math.max(0, start - before);
        int e = Math.min(text.length(), end + after);
        return (text.substring(s, start) + " " + text.substring(end, e)).toLowerCase(Locale.ROOT);
    }

    static String before(String text, int start, int before) {
        return text.substring(Math.max(0, start - before), start).toLowerCase(Locale.ROOT);
    }

    /** True if the window holds any of the words (plain substring match: words are chosen to be distinctive). */
    static boolean any(String window, String... words) {
        for (String w : words) {
            if (window.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
