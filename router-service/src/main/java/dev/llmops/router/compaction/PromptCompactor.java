package dev.llmops.router.compaction;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import llmops.common.v1.ChatMessage;

/**
 * Makes a conversation cheaper to send without changing what it says:
 * <ol>
 *   <li>whitespace: line endings normalised, trailing blanks dropped, runs of spaces and tabs inside a line made
 *   one (indentation at the start of a line is kept: it is meaning in code and YAML), three or more line breaks
 *   made two; inside ``` fences only trailing blanks go;</li>
 *   <li>repeated boilerplate: a paragraph (text between blank lines) of at least {@link #MIN_BOILERPLATE} characters
 *   that already appeared earlier in the conversation (a disclaimer, a signature, instructions pasted into every
 *   turn) is dropped the second time. A message is never emptied: if every paragraph of it is a repeat, it stays
 *   as it is.</li>
 * </ol>
 * Linear in the text; no regular expressions.
 */
public final class PromptCompactor {
    /** Shorter paragraphs ("Thanks!", "Yes.") repeat naturally and cost little. */
    public static final int MIN_BOILERPLATE = 80;

    private PromptCompactor() {
    }

    public static List<ChatMessage> compact(List<ChatMessage> messages) {
        Set<String> seen = new HashSet<>();
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            String whitespace = whitespace(m.getContent());
            String deduplicated = dropRepeats(whitespace, seen);
            String content = deduplicated.isBlank() ? whitespace : deduplicated;
            out.add(content.equals(m.getContent()) ? m : m.toBuilder().setContent(content).build());
        }
        return out;
    }

    static String whitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inFence = false;
        int newlines = 0;
        int start = 0;
        String s = text.indexOf('\r') >= 0 ? text.replace("\r\n", "\n").replace('\r', '\n') : text;
        while (start <= s.length()) {
            int end = s.indexOf('\n', start);
            if (end < 0) {
                end = s.length();
            }
            String line = stripTrailing(s.substring(start, end));
            boolean fence = line.stripLeading().startsWith("```");
            if (line.isEmpty() && !inFence) {
                newlines++;
            } else {
                if (out.length() > 0) {
                    out.append(newlines >= 2 ? "\n\n" : "\n");
                }
                newlines = 1;
                out.append(inFence || fence ? line : collapseInner(line));
            }
            if (fence) {
                inFence = !inFence;
            }
            start = end + 1;
        }
        return out.toString();
    }

    private static String stripTrailing(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        return line.substring(0, end);
    }

    /** One space for each run of blanks after the indentation. */
    private static String collapseInner(String line) {
        int indent = 0;
        while (indent < line.length() && (line.charAt(indent) == ' ' || line.charAt(indent) == '\t')) {
            indent++;
        }
        StringBuilder sb = new StringBuilder(line.length()).append(line, 0, indent);
        boolean blank = false;
        for (int i = indent; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                if (!blank) {
                    sb.append(' ');
                }
                blank = true;
            } else {
                sb.append(c);
                blank = false;
            }
        }
        return sb.toString();
    }

    private static String dropRepeats(String text, Set<String> seen) {
        String[] paragraphs = text.split("\n\n", -1);
        StringBuilder out = new StringBuilder(text.length());
        for (String p : paragraphs) {
            String key = p.strip();
            if (key.length() >= MIN_BOILERPLATE && !seen.add(key)) {
                continue;
            }
            if (out.length() > 0) {
                out.append("\n\n");
            }
            out.append(p);
        }
        return out.toString();
    }
}
