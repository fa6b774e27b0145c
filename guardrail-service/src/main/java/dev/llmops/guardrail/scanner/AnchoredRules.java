package dev.llmops.guardrail.scanner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word rules over normalised (lower-case) text, run only where a match can start. Each rule has gate literals (one
 * of them must occur in the text, or the rule is skipped) and anchor literals (every match of the rule starts at an
 * occurrence of one of them). One pass over the text finds every occurrence of every literal of every rule (a table
 * keyed by the first two chars), then each rule tries {@code lookingAt} only at its anchors, left to right. That
 * finds the same leftmost matches as {@code find()} over the text, without trying the rule's alternation at every
 * position (which cost about 0.3 µs per char and rule). Patterns are JDK patterns in RE2-valid syntax whose every
 * repetition is bounded ({@code {0,3}}, {@code .{0,80}}) and that nest no unbounded quantifier: backtracking from a
 * start position is then bounded by a constant, and the JDK engine is several times faster than RE2/J (which has no
 * DFA) on rich alternations. Bounds are transparent, so {@code \b} sees the chars around a region.
 */
final class AnchoredRules {

    /**
     * @param pattern JDK pattern, bounded repetitions only
     * @param gates at least one must occur in the text for the rule to run (a cheap pre-check)
     * @param anchors every match starts at an occurrence of one of these
     * @param atStart also try at position 0 (for rules that begin with {@code ^})
     */
    record Rule(Pattern pattern, String[] gates, String[] anchors, boolean atStart) {
    }

    /** A match, in offsets of the scanned text. */
    record Match(int start, int end) {
    }

    private final Rule[] rules;
    private final String[] literals;
    /** Per literal: bit r set when it is a gate (resp. an anchor) of rule r. */
    private final long[] gateOf;
    private final long[] anchorOf;
    /** Literal ids by their first two chars ({@code c0 << 7 | c1}), and one-char literals by their char. */
    private final int[][] byPair = new int[128 * 128][];
    private final int[][] byChar = new int[128][];

    AnchoredRules(List<Rule> rules) {
        if (rules.size() > 64) {
            throw new IllegalArgumentException("at most 64 rules");
        }
        this.rules = rules.toArray(Rule[]::new);
        Map<String, long[]> masks = new LinkedHashMap<>();
        for (int r = 0; r < this.rules.length; r++) {
            for (String g : this.rules[r].gates()) {
                masks.computeIfAbsent(g, k -> new long[2])[0] |= 1L << r;
            }
            for (String a : this.rules[r].anchors()) {
                masks.computeIfAbsent(a, k -> new long[2])[1] |= 1L << r;
            }
        }
        this.literals = masks.keySet().toArray(String[]::new);
        this.gateOf = new long[literals.length];
        this.anchorOf = new long[literals.length];
        for (int id = 0; id < literals.length; id++) {
            String l = literals[id];
            long[] m = masks.get(l);
            gateOf[id] = m[0];
            anchorOf[id] = m[1];
            for (int k = 0; k < l.length(); k++) {
                if (l.charAt(k) >= 128) {
                    throw new IllegalArgumentException("literal '" + l + "' is not ASCII");
                }
            }
            if (l.isEmpty()) {
                throw new IllegalArgumentException("empty literal");
            }
            int[][] table = l.length() == 1 ? byChar : byPair;
            int key = l.length() == 1 ? l.charAt(0) : l.charAt(0) << 7 | l.charAt(1);
            table[key] = table[key] == null ? new int[] {id} : append(table[key], id);
        }
    }

    private static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    int size() {
        return rules.length;
    }

    /** Every literal occurrence in {@code text}, in position order, and which rules' gates occur. */
    Occurrences occurrences(String text) {
        Occurrences occ = new Occurrences();
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c0 = text.charAt(i);
            if (c0 >= 128) {
                continue;
            }
            int[] single = byChar[c0];
            if (single != null) {
                for (int id : single) {
                    occ.add(i, id, gateOf[id]);
                }
            }
            if (i + 1 < n) {
                char c1 = text.charAt(i + 1);
                int[] ids = c1 < 128 ? byPair[c0 << 7 | c1] : null;
                if (ids != null) {
                    for (int id : ids) {
                        if (text.startsWith(literals[id], i)) {
                            occ.add(i, id, gateOf[id]);
                        }
                    }
                }
            }
        }
        return occ;
    }

    /** True when one of rule {@code r}'s gates occurs. */
    boolean gated(Occurrences occ, int r) {
        return (occ.gates & (1L << r)) != 0;
    }

    /** The leftmost match of rule {@code r}, or null. */
    Match first(String text, Occurrences occ, int r) {
        List<Match> found = matches(text, occ, r, true);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Non-overlapping matches of rule {@code r}, left to right, as {@code find()} would return them. */
    List<Match> all(String text, Occurrences occ, int r) {
        return matches(text, occ, r, false);
    }

    private List<Match> matches(String text, Occurrences occ, int r, boolean firstOnly) {
        if (!gated(occ, r)) {
            return List.of();
        }
        Rule rule = rules[r];
        long bit = 1L << r;
        Matcher m = null;
        List<Match> out = null;
        int from = 0;
        int lastTried = -1;
        int n = text.length();
        for (int k = -1; k < occ.count; k++) {
            int at;
            if (k < 0) {
                if (!rule.atStart()) {
                    continue;
                }
                at = 0;
            } else {
                if ((anchorOf[occ.literal[k]] & bit) == 0) {
                    continue;
                }
                at = occ.position[k];
            }
            if (at < from || at == lastTried) {
                continue;
            }
            lastTried = at;
            if (m == null) {
                m = rule.pattern().matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            }
            m.region(at, n);
            if (m.lookingAt() && m.end() > at) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(new Match(at, m.end()));
                if (firstOnly) {
                    return out;
                }
                from = m.end();
            }
        }
        return out == null ? List.of() : out;
    }

    /** Literal occurrences of one text, in position order. */
    static final class Occurrences {
        int[] position = new int[16];
        int[] literal = new int[16];
        int count;
        long gates;

        void add(int pos, int id, long gateMask) {
            if (count == position.length) {
                position = Arrays.copyOf(position, count * 2);
                literal = Arrays.copyOf(literal, count * 2);
            }
            position[count] = pos;
            literal[count] = id;
            count++;
            gates |= gateMask;
        }
    }
}
