package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs an RE2/J pattern only around the literals a match must contain. RE2/J is linear but has no DFA, so a rich
 * pattern costs several microseconds per 100 chars; most text holds none of a rule's key words, and then nothing
 * runs at all. Windows around the literal occurrences are merged, so no char is matched twice and a long text with
 * a few occurrences costs a few windows.
 */
final class Windows {

    /** A match in absolute offsets of the searched text. */
    record Match(int start, int end, String group1) {
    }

    private Windows() {
    }

    /**
     * Matches of {@code pattern} in {@code text} that lie within {@code before} chars ahead of and {@code after} chars
     * past an occurrence of one of {@code literals} (searched case-sensitively in {@code text}).
     */
    static List<Match> find(Pattern pattern, String text, String[] literals, int before, int after) {
        List<int[]> windows = windows(text, literals, before, after);
        if (windows.isEmpty()) {
            return List.of();
        }
        List<Match> out = new ArrayList<>(2);
        for (int[] w : windows) {
            boolean whole = w[0] == 0 && w[1] == text.length();
            Matcher m = pattern.matcher(whole ? text : text.subSequence(w[0], w[1]));
            while (m.find()) {
                out.add(new Match(w[0] + m.start(), w[0] + m.end(), m.groupCount() >= 1 && m.group(1) != null
                        ? m.group(1) : null));
            }
        }
        return out;
    }

    /** True if any literal occurs in the text. */
    static boolean any(String text, String[] literals) {
        for (String l : literals) {
            if (text.indexOf(l) >= 0) {
                return true;
            }
        }
        return false;
    }

    static List<int[]> windows(String text, String[] literals, int before, int after) {
        List<int[]> spans = null;
        for (String l : literals) {
            for (int at = text.indexOf(l); at >= 0; at = text.indexOf(l, at + 1)) {
                if (spans == null) {
                    spans = new ArrayList<>();
                }
                spans.add(new int[] {Math.max(0, at - before), Math.min(text.length(), at + l.length() + after)});
            }
        }
        return spans == null ? List.of() : merge(spans);
    }

    /** Overlapping or touching spans {start, end} joined, sorted by start; {@code spans} is sorted in place. */
    static List<int[]> merge(List<int[]> spans) {
        if (spans.isEmpty()) {
            return List.of();
        }
        spans.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        int[] cur = spans.get(0);
        for (int i = 1; i < spans.size(); i++) {
            int[] s = spans.get(i);
            if (s[0] <= cur[1]) {
                cur[1] = Math.max(cur[1], s[1]);
            } else {
                merged.add(cur);
                cur = s;
            }
        }
        merged.add(cur);
        return merged;
    }
}
