package dev.llmops.guardrail.service;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.Scanner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs every scanner over one text, applies the policy and resolves overlaps. Pure logic, no CDI, so it is cheap to
 * test and to benchmark.
 */
public final class Inspector {

    /** Longest first, then highest score, then leftmost: the order in which overlapping detections are kept. */
    private static final Comparator<Hit> PRIORITY = Comparator
            .comparingInt((Hit h) -> -h.detection().length())
            .thenComparingDouble(h -> -h.detection().score())
            .thenComparingInt(h -> h.detection().start());

    private static final Comparator<Hit> BY_POSITION = Comparator
            .comparingInt((Hit h) -> h.detection().start())
            .thenComparingInt(h -> h.detection().end());

    private final List<Scanner> scanners;
    private final Policy policy;

    public Inspector(List<Scanner> scanners, Policy policy) {
        this.scanners = List.copyOf(scanners);
        this.policy = policy;
    }

    public Inspector(List<Scanner> scanners) {
        this(scanners, null);
    }

    /** Hits in {@code text} under the policy given at construction. */
    public List<Hit> inspect(String text) {
        return inspect(text, policy);
    }

    /**
     * Hits in {@code text} under {@code policy} (scanners it switches off are skipped, its topic scanner is added,
     * detections under its threshold for their type are dropped), sorted by position; {@link List#of()} when none.
     */
    public List<Hit> inspect(String text, Policy policy) {
        return inspect(text, policy, false);
    }

    /**
     * As {@link #inspect(String, Policy)}; a {@code trusted} text (system/developer prompt, or an answer) skips the
     * untrusted-only scanners.
     */
    public List<Hit> inspect(String text, Policy policy, boolean trusted) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<Hit> all = null;
        for (Scanner scanner : scanners) {
            if (policy.scannerEnabled(scanner.name()) && !(trusted && scanner.untrustedOnly())) {
                all = collect(scanner.scan(text), policy, all);
            }
        }
        if (policy.topics() != null && policy.scannerEnabled(policy.topics().name())) {
            all = collect(policy.topics().scan(text), policy, all);
        }
        return all == null ? List.of() : resolveOverlaps(all);
    }

    private static List<Hit> collect(List<Detection> found, Policy policy, List<Hit> all) {
        for (Detection d : found) {
            if (d.score() < policy.thresholdFor(d.type())) {
                continue;
            }
            if (all == null) {
                all = new ArrayList<>(found.size() + 2);
            }
            all.add(new Hit(d, policy.actionFor(d.type())));
        }
        return all;
    }

    /**
     * Among overlapping detections keep the longer one (then the higher score). Block, escalate and log-only hits are
     * always kept: they rewrite nothing, and dropping one because a longer redaction covers it would let a blocked
     * phrase through (or hide it from the audit).
     */
    static List<Hit> resolveOverlaps(List<Hit> hits) {
        if (hits.size() == 1) {
            return hits;
        }
        List<Hit> kept = new ArrayList<>(hits.size());
        List<Hit> candidates = new ArrayList<>(hits.size());
        for (Hit h : hits) {
            (h.action().keepsText() ? kept : candidates).add(h);
        }
        candidates.sort(PRIORITY);
        int blocks = kept.size();
        for (Hit c : candidates) {
            boolean free = true;
            for (int i = blocks; i < kept.size(); i++) {
                if (kept.get(i).detection().overlaps(c.detection())) {
                    free = false;
                    break;
                }
            }
            if (free) {
                kept.add(c);
            }
        }
        kept.sort(BY_POSITION);
        return kept;
    }

    /** {@code text} with every REDACT hit replaced by its placeholder; hits must come from {@link #inspect}. */
    public static String redact(String text, List<Hit> hits, Placeholders placeholders) {
        StringBuilder sb = new StringBuilder(text.length());
        int pos = 0;
        for (Hit h : hits) {
            if (h.action() != PolicyAction.REDACT) {
                continue;
            }
            Detection d = h.detection();
            sb.append(text, pos, d.start()).append(placeholders.placeholderFor(d, text));
            pos = d.end();
        }
        return sb.append(text, pos, text.length()).toString();
    }
}
