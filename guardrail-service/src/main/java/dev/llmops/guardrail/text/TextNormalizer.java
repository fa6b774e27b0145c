package dev.llmops.guardrail.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Undoes the tricks used to slip text past word rules, so that injection and toxicity rules see what a model would
 * read: invisible characters (zero-width, bidi controls, tag characters, variation selectors) are dropped;
 * compatibility forms (full-width letters, ligatures, mathematical alphabets) fold via NFKD with accents stripped;
 * common confusables (Cyrillic and Greek look-alikes) map to Latin; leetspeak digits inside words map to letters;
 * words spelled with spaces between letters ("i g n o r e") are joined; case is folded and whitespace collapsed.
 * Base64 and hex runs that decode to readable text are decoded and appended, so an encoded instruction is scanned
 * too. Every char of the result maps back to a char of the original ({@link Normalized#originalIndex}), so findings
 * can point at the original text. Linear time, one pass plus one per decoded run.
 */
public final class TextNormalizer {

    /** Encoded runs shorter than this are too short to carry an instruction and too likely to be ordinary words. */
    private static final int MIN_ENCODED = 16;
    /** Decoding stops here, so a huge base64 blob costs a bounded amount of work. */
    private static final int MAX_DECODED_CHARS = 8192;

    private TextNormalizer() {
    }

    /** The normalised text and, for each of its chars, the index of the original char it came from. */
    public record Normalized(String text, int[] originalIndex) {
        /** Original span [start, end) covering normalised [from, to). */
        public int originalStart(int from) {
            return originalIndex[Math.min(from, originalIndex.length - 1)];
        }

        public int originalEnd(int to, String original) {
            if (to <= 0) {
                return 0;
            }
            int last = originalIndex[Math.min(to, originalIndex.length) - 1];
            return Math.min(original.length(), last + Character.charCount(original.codePointAt(last)));
        }
    }

    /** The last text normalised on this thread: the injection, toxicity and topic scanners share one pass. */
    private static final ThreadLocal<Normalized[]> LAST = ThreadLocal.withInitial(() -> new Normalized[1]);
    private static final ThreadLocal<String[]> LAST_INPUT = ThreadLocal.withInitial(() -> new String[1]);

    /** {@link #normalize}, reusing this thread's previous result when called again with the same String instance. */
    public static Normalized normalizeShared(String text) {
        String[] input = LAST_INPUT.get();
        Normalized[] result = LAST.get();
        if (input[0] == text && result[0] != null) {
            return result[0];
        }
        Normalized n = normalize(text);
        input[0] = text;
        result[0] = n;
        return n;
    }

    public static Normalized normalize(String text) {
        Builder out = new Builder(text.length() + 16);
        fold(text, 0, text.length(), out, 0);
        Builder joined = joinSpelledOut(out);
        appendDecoded(text, joined);
        return new Normalized(joined.sb.toString(), joined.index());
    }

    /** Growable char buffer with an index array alongside. */
    static final class Builder {
        final StringBuilder sb;
        int[] idx;

        Builder(int capacity) {
            sb = new StringBuilder(capacity);
            idx = new int[Math.max(16, capacity)];
        }

        void append(char c, int original) {
            if (sb.length() == idx.length) {
                idx = java.util.Arrays.copyOf(idx, idx.length * 2);
            }
            idx[sb.length()] = original;
            sb.append(c);
        }

        char last() {
            return sb.length() == 0 ? ' ' : sb.charAt(sb.length() - 1);
        }

        int[] index() {
            return java.util.Arrays.copyOf(idx, sb.length());
        }
    }

    /** Folds text[from, to) into out; {@code base} is added to... nothing: indices are absolute in {@code text}. */
    private static void fold(String text, int from, int to, Builder out, int depth) {
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            int at = i;
            i += Character.charCount(cp);
            if (cp < 0x80) {
                foldAscii((char) cp, at, text, i, to, out);
                continue;
            }
            if (isInvisible(cp)) {
                continue;
            }
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space(out, at);
                continue;
            }
            char mapped = Confusables.map(cp);
            if (mapped != 0) {
                out.append(mapped, at);
                continue;
            }
            String decomposed = java.text.Normalizer.normalize(new String(Character.toChars(cp)),
                    java.text.Normalizer.Form.NFKD);
            boolean any = false;
            for (int k = 0; k < decomposed.length(); ) {
                int d = decomposed.codePointAt(k);
                k += Character.charCount(d);
                int type = Character.getType(d);
                if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || isInvisible(d)) {
                    continue;
                }
                if (d < 0x80) {
                    foldAscii((char) d, at, text, i, to, out);
                    any = true;
                } else {
                    char m = Confusables.map(d);
                    if (m != 0) {
                        out.append(m, at);
                    } else {
                        for (char c : Character.toChars(Character.toLowerCase(d))) {
                            out.append(c, at);
                        }
                    }
                    any = true;
                }
            }
            if (!any && Character.getType(cp) == Character.NON_SPACING_MARK) {
                continue; // a stray combining mark (e.g. "zalgo" text) carries nothing
            }
        }
    }

    private static void foldAscii(char c, int at, String text, int next, int to, Builder out) {
        if (c <= ' ' || c == 0x7f) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b) {
                space(out, at);
            }
            return; // other control chars are invisible
        }
        if (c >= 'A' && c <= 'Z') {
            out.append((char) (c + 32), at);
            return;
        }
        char leet = leet(c);
        if (leet != 0 && (isLetter(out.last()) || (next < to && isAsciiLetter(text.charAt(next))))) {
            out.append(leet, at);
            return;
        }
        out.append(c, at);
    }

    private static void space(Builder out, int at) {
        if (out.sb.length() > 0 && out.last() != ' ') {
            out.append(' ', at);
        }
    }

    private static char leet(char c) {
        return switch (c) {
            case '0' -> 'o';
            case '1', '!' -> 'i';
            case '3' -> 'e';
            case '4', '@' -> 'a';
            case '5', '$' -> 's';
            case '7' -> 't';
            default -> 0;
        };
    }

    private static boolean isLetter(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isInvisible(int cp) {
        return Character.getType(cp) == Character.FORMAT // ZWSP, ZWJ, ZWNJ, bidi controls, soft hyphen, tags
                || (cp >= 0xFE00 && cp <= 0xFE0F) // variation selectors
                || (cp >= 0xE0100 && cp <= 0xE01EF)
                || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 // Hangul fillers
                || cp == 0x034F; // combining grapheme joiner
    }

    /**
     * "i g n o r e", "i.g.n.o.r.e" and "i-g-n-o-r-e": runs of four or more single letters separated by one space,
     * dot or dash are joined into one word.
     */
    private static Builder joinSpelledOut(Builder in) {
        if (!hasSpelledOut(in.sb)) {
            return in; // the common case: nothing to join, no copy
        }
        StringBuilder s = in.sb;
        int n = s.length();
        Builder out = new Builder(n);
        int i = 0;
        while (i < n) {
            int j = i;
            int letters = 0;
            // A spelled-out run: letter (sep letter)+, each letter standing alone.
            while (j < n && isLetter(s.charAt(j)) && (j == i ? (i == 0 || !isLetter(s.charAt(i - 1))) : true)
                    && (j + 1 >= n || !isLetter(s.charAt(j + 1)))) {
                letters++;
                if (j + 2 < n && isSeparator(s.charAt(j + 1)) && isLetter(s.charAt(j + 2))
                        && (j + 3 >= n || !isLetter(s.charAt(j + 3)))) {
                    j += 2;
                } else {
                    j++;
                    break;
                }
            }
            if (letters >= 4) {
                for (int k = i; k < j; k++) {
                    if (isLetter(s.charAt(k))) {
                        out.append(s.charAt(k), in.idx[k]);
                    }
                }
                i = j;
            } else {
                out.append(s.charAt(i), in.idx[i]);
                i++;
            }
        }
        return out;
    }

    /** True if {@link #joinSpelledOut} would join anything: four single letters, each followed by one separator. */
    private static boolean hasSpelledOut(CharSequence s) {
        int n = s.length();
        int run = 0; // single letters seen so far in the current candidate run
        for (int i = 0; i < n; i++) {
            boolean single = isLetter(s.charAt(i)) && (i == 0 || !isLetter(s.charAt(i - 1)))
                    && (i + 1 >= n || !isLetter(s.charAt(i + 1)));
            if (!single) {
                run = 0;
                continue;
            }
            run++;
            if (run >= 4) {
                return true;
            }
            if (i + 2 < n && isSeparator(s.charAt(i + 1)) && isLetter(s.charAt(i + 2))) {
                i++; // step over the separator; the next letter continues the run
            } else {
                run = 0;
            }
        }
        return false;
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '.' || c == '-' || c == '_';
    }

    /** Base64 and hex runs of the original that decode to readable UTF-8 are folded and appended after a newline. */
    private static void appendDecoded(String text, Builder out) {
        int n = text.length();
        int budget = MAX_DECODED_CHARS;
        int i = 0;
        while (i < n && budget > 0) {
            if (!isBase64Char(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isBase64Char(text.charAt(i))) {
                i++;
            }
            int len = i - start;
            if (len < MIN_ENCODED) {
                continue;
            }
            String decoded = decode(text, start, i);
            if (decoded == null) {
                continue;
            }
            if (decoded.length() > budget) {
                decoded = decoded.substring(0, budget);
            }
            budget -= decoded.length();
            Builder sub = new Builder(decoded.length());
            fold(decoded, 0, decoded.length(), sub, 1);
            Builder joined = joinSpelledOut(sub);
            space(out, start);
            out.append('\n', start);
            // The decoded chars all point at the encoded run in the original.
            for (int k = 0; k < joined.sb.length(); k++) {
                out.append(joined.sb.charAt(k), start + Math.min(len - 1, joined.idx[k] * len / Math.max(1,
                        decoded.length())));
            }
        }
    }

    private static boolean isBase64Char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
                || c == '=' || c == '-' || c == '_';
    }

    /**
     * Hex first (all hex digits, even length), then base64 (standard or URL alphabet); null unless readable text.
     * Runs that cannot decode are refused by checks, not by exceptions: ids, timestamps and hashes are common in
     * prompts, and an exception per run was a tenth of the guardrail's CPU.
     */
    static String decode(String text, int start, int end) {
        String run = text.substring(start, end);
        byte[] bytes;
        if (run.length() % 2 == 0 && run.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            bytes = new byte[run.length() / 2];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = (byte) Integer.parseInt(run, 2 * k, 2 * k + 2, 16);
            }
        } else {
            String stripped = run.replace("=", "");
            boolean url = stripped.indexOf('-') >= 0 || stripped.indexOf('_') >= 0;
            if (stripped.length() % 4 == 1 || url && (stripped.indexOf('+') >= 0 || stripped.indexOf('/') >= 0)) {
                return null; // a dangling 6-bit group or mixed alphabets: not base64
            }
            try {
                bytes = (url ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(stripped);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        CharBuffer chars = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes), chars, true);
        if (result.isError()) {
            return null;
        }
        String s = chars.flip().toString();
        return readable(s) ? s : null;
    }

    /** Mostly letters and spaces, with at least one space: words, not binary that happens to be valid UTF-8. */
    private static boolean readable(String s) {
        if (s.length() < 8) {
            return false;
        }
        int letters = 0;
        int spaces = 0;
        int control = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isLetter(c)) {
                letters++;
            } else if (c == ' ') {
                spaces++;
            } else if (Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
                control++;
            }
        }
        return control == 0 && spaces > 0 && (letters + spaces) * 10 >= s.length() * 8;
    }
}
