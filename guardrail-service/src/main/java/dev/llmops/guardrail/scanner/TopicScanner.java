package dev.llmops.guardrail.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.FindingTypes;
import dev.llmops.guardrail.text.TextNormalizer;
import dev.llmops.guardrail.text.TextNormalizer.Normalized;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Banned topics (each a named list of terms) and competitor names, matched as whole words on the normalised text.
 * A topic scores 0.6 for one distinct term and 0.9 for two or more (one mention of "bitcoin" in passing is weaker
 * evidence than "bitcoin" and "wallet" and "token sale"); a competitor name scores 0.9. One finding per topic
 * ({@code BANNED_TOPIC}, the canonical value is the topic name) and per competitor mention ({@code COMPETITOR}).
 */
public final class TopicScanner implements Scanner {
    public static final String NAME = "topic";

    private record Topic(String name, Pattern pattern) {
    }

    private final List<Topic> topics = new ArrayList<>();
    private final Pattern competitors;

    public TopicScanner(Map<String, List<String>> bannedTopics, List<String> competitorNames) {
        bannedTopics.forEach((name, terms) -> {
            Pattern p = alternation(terms);
            if (p != null) {
                topics.add(new Topic(name, p));
            }
        });
        this.competitors = alternation(competitorNames);
    }

    public boolean isEmpty() {
        return topics.isEmpty() && competitors == null;
    }

    private static Pattern alternation(List<String> terms) {
        List<String> quoted = new ArrayList<>();
        for (String t : terms) {
            String norm = TextNormalizer.normalize(t.trim()).text();
            if (!norm.isBlank()) {
                quoted.add(Pattern.quote(norm));
            }
        }
        return quoted.isEmpty() ? null : Pattern.compile("\\b(?:" + String.join("|", quoted) + ")\\b");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Detection> scan(String text) {
        if (isEmpty() || text.isBlank()) {
            return List.of();
        }
        Normalized norm = TextNormalizer.normalizeShared(text);
        String s = norm.text();
        List<Detection> out = new ArrayList<>(0);
        for (Topic topic : topics) {
            Matcher m = topic.pattern().matcher(s);
            java.util.Set<String> distinct = new java.util.HashSet<>();
            int first = -1;
            int firstEnd = -1;
            while (m.find()) {
                distinct.add(m.group());
                if (first < 0) {
                    first = m.start();
                    firstEnd = m.end();
                }
            }
            if (first >= 0) {
                int start = norm.originalStart(first);
                int end = norm.originalEnd(firstEnd, text);
                if (end > start) {
                    out.add(new Detection(FindingTypes.BANNED_TOPIC, start, end, NAME,
                            distinct.size() >= 2 ? 0.9 : 0.6, topic.name()));
                }
            }
        }
        if (competitors != null) {
            Matcher m = competitors.matcher(s);
            while (m.find()) {
                int start = norm.originalStart(m.start());
                int end = norm.originalEnd(m.end(), text);
                if (end > start) {
                    out.add(new Detection(FindingTypes.COMPETITOR, start, end, NAME, 0.9, m.group()));
                }
            }
        }
        return out.isEmpty() ? List.of() : out;
    }
}
