package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Configured phrases, matched case-insensitively, with any run of whitespace (including Unicode spaces such as
 * NBSP) between words, and on word boundaries at the phrase's ends. All phrases are compiled into one RE2/J
 * alternation, so the cost is one linear pass whatever the number of phrases.
 */
public final class BlockedPhraseScanner implements Scanner {
    public static final String NAME = "blocked-phrase";

    private static final String GAP = "[\\s\\p{Z}]+";
    /** For the canonical form of a match (bounded: only ever applied to matched text, no backtracking). */
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("[\\s\\p{Z}]+");

    private final Pattern pattern;
    /** The first word of every phrase, case-folded: a text holding none of them cannot match, so RE2/J is skipped. */
    private final String[] firstWords;
    /** The most non-space chars a match can hold (the longest phrase without its spaces). */
    private final int maxPhraseChars;

    public BlockedPhraseScanner(List<String> phrases) {
        List<String> alternatives = new ArrayList<>();
        List<String> first = new ArrayList<>();
        for (String phrase : phrases) {
            String[] words = phrase.trim().split("\\s+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            first.add(fold(words[0]));
            StringBuilder sb = new StringBuilder();
            if (isWordChar(words[0].charAt(0))) {
                sb.append("\\b");
            }
            for (int i = 0; i < words.length; i++) {
                if (i > 0) {
                    sb.append(GAP);
                }
                sb.append(Pattern.quote(words[i]));
            }
            String last = words[words.length - 1];
            if (isWordChar(last.charAt(last.length() - 1))) {
                sb.append("\\b");
            }
            alternatives.add(sb.toString());
        }
        this.pattern = alternatives.isEmpty() ? null
                : Pattern.compile("(?:" + String.join("|", alternatives) + ")", Pattern.CASE_INSENSITIVE);
        this.firstWords = first.stream().distinct().toArray(String[]::new);
        this.maxPhraseChars = phrases.stream().mapToInt(p -> p.replaceAll("\\s+", "").length()).max().orElse(0);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * RE2/J runs only in windows that start one char before an occurrence of a phrase's first word (for the \\b) and
     * end once {@link #maxPhraseChars} non-space chars have followed it (spaces between words are unbounded, so the
     * window is counted in non-space chars). Every match starts at such an occurrence, so the matches are those of
     * one pass over the whole text.
     */
    @Override
    public List<Detection> scan(String text) {
        if (pattern == null || !containsAnyFirstWord(text)) {
            return List.of();
        }
        int n = text.length();
        List<int[]> spans = new ArrayList<>();
        for (int at = nextFirstWord(text, 0); at >= 0; at = nextFirstWord(text, at + 1)) {
            int we = at;
            for (int nonSpace = 0; we < n && nonSpace <= maxPhraseChars; we++) {
                char c = text.charAt(we);
                if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) {
                    nonSpace++;
                }
            }
            spans.add(new int[] {Math.max(0, at - 1), Math.min(n, we + 1)});
        }
        List<Detection> out = null;
        for (int[] w : Windows.merge(spans)) {
            out = find(text, w[0], w[1], out);
        }
        return out == null ? List.of() : out;
    }

    private List<Detection> find(String text, int start, int end, List<Detection> out) {
        Matcher m = pattern.matcher(start == 0 && end == text.length() ? text : text.subSequence(start, end));
        while (m.find()) {
            if (out == null) {
                out = new ArrayList<>(1);
            }
            int s = start + m.start();
            int e = start + m.end();
            String canonical = SPACES.matcher(text.substring(s, e)).replaceAll(" ").toLowerCase(Locale.ROOT);
            out.add(new Detection(FindingTypes.BLOCKED_PHRASE, s, e, NAME, 1.0, canonical));
        }
        return out;
    }

    /** The next index from {@code from} where any first word starts (case-folded), or -1. */
    private int nextFirstWord(String text, int from) {
        for (int i = from, n = text.length(); i < n; i++) {
            char c = fold(text.charAt(i));
            for (String word : firstWords) {
                if (word.charAt(0) == c && text.regionMatches(true, i, word, 0, word.length())) {
                    return i;
                }
            }
        }
        return -1;
    }

    private boolean containsAnyFirstWord(String text) {
        for (String word : firstWords) {
            if (containsFolded(text, word)) {
                return true;
            }
        }
        return false;
    }

    /** Case-insensitive search without copying the text; {@code word} is already folded. */
    static boolean containsFolded(String text, String word) {
        char first = word.charAt(0);
        for (int i = 0, last = text.length() - word.length(); i <= last; i++) {
            if (fold(text.charAt(i)) == first && text.regionMatches(true, i, word, 0, word.length())) {
                return true;
            }
        }
        return false;
    }

    /** The folding String.regionMatches(ignoreCase) uses, so both agree (e.g. the long s folds to 's'). */
    private static char fold(char c) {
        if (c < 128) {
            return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }

    private static String fold(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = fold(chars[i]);
        }
        return new String(chars);
    }

    /** RE2/J's \b is ASCII: only put it where the phrase edge is an ASCII word char. */
    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
}
