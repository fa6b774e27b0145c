package dev.llmops.guardrail.service;

import com.google.re2j.Matcher;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.repository.PlaceholderVault;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Placeholder numbering for one request: per type, in order of first appearance, the same value (by its canonical
 * form) always getting the same placeholder across all messages. Not thread-safe; one instance per request.
 */
public final class Placeholders {
    private final Map<String, String> byValue = new HashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    /** Placeholder to the original text it first replaced: what the vault stores for restoring. */
    private final Map<String, String> originals = new HashMap<>();

    public Placeholders() {
    }

    /** Numbering that goes on after the given placeholders ({@code <EMAIL_2>} after {@code <EMAIL_1>}, per type). */
    public Placeholders(Collection<String> taken) {
        for (String placeholder : taken) {
            Matcher m = PlaceholderVault.PLACEHOLDER.matcher(placeholder);
            if (m.matches()) {
                counters.merge(m.group(1), Integer.parseInt(m.group(2)), Math::max);
            }
        }
    }

    public String placeholderFor(Detection d, String text) {
        String value = d.canonical() != null ? d.canonical() : text.substring(d.start(), d.end());
        String placeholder = byValue.computeIfAbsent(d.type() + '\u0000' + value,
                k -> "<" + d.type() + "_" + counters.merge(d.type(), 1, Integer::sum) + ">");
        originals.putIfAbsent(placeholder, text.substring(d.start(), d.end()));
        return placeholder;
    }

    /** Placeholder to original; sensitive, never log it. */
    public Map<String, String> originals() {
        return originals;
    }
}
