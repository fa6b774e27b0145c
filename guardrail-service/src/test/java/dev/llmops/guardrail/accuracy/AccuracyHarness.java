package dev.llmops.guardrail.accuracy;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.classifier.NaiveBayes;
import dev.llmops.guardrail.output.GroundingScorer;
import dev.llmops.guardrail.output.SentenceEmbedder;
import dev.llmops.guardrail.scanner.PromptInjectionScanner;
import dev.llmops.guardrail.scanner.Scanner;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.scanner.ToxicityScanner;
import dev.llmops.guardrail.service.Hit;
import dev.llmops.guardrail.service.Inspector;
import dev.llmops.guardrail.service.Policy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy on the labelled sets in {@code src/test/resources/accuracy/}: prompt injection (rules, classifier, both),
 * PII and secrets per entity type, toxicity per category, grounding per sentence. Prints Markdown tables for the
 * README. Run: {@code guardrail-service/accuracy.sh}. {@code AccuracyTest} asserts floors on the same numbers.
 */
public final class AccuracyHarness {

    /** Counts for one label; precision/recall/F1 derived. */
    public static final class Score {
        public int tp;
        public int fp;
        public int fn;
        public int tn;

        public double precision() {
            return tp + fp == 0 ? 1 : (double) tp / (tp + fp);
        }

        public double recall() {
            return tp + fn == 0 ? 1 : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }

        public double falseAlarmRate() {
            return fp + tn == 0 ? 0 : (double) fp / (fp + tn);
        }
    }

    private AccuracyHarness() {
    }

    static List<String> lines(String resource) {
        var in = AccuracyHarness.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(resource + " not on the test class path");
        }
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Injection: "rules", "classifier", "combined" on the evaluation set, at the default threshold. */
    public static Map<String, Score> injection(double threshold) {
        NaiveBayes model = PromptInjectionScanner.trainDefault();
        PromptInjectionScanner scanner = new PromptInjectionScanner(model, threshold);
        Map<String, Score> scores = new LinkedHashMap<>();
        scores.put("rules only", new Score());
        scores.put("classifier only", new Score());
        scores.put("rules + classifier", new Score());
        for (String line : lines("accuracy/injection-eval.tsv")) {
            int tab = line.indexOf('\t');
            boolean attack = line.substring(0, tab).equals("1");
            PromptInjectionScanner.Score s = scanner.score(line.substring(tab + 1));
            count(scores.get("rules only"), attack, s.rule() >= threshold);
            count(scores.get("classifier only"), attack, s.classifier() >= threshold);
            count(scores.get("rules + classifier"), attack, s.combined() >= threshold);
        }
        return scores;
    }

    private static void count(Score s, boolean truth, boolean predicted) {
        if (truth && predicted) {
            s.tp++;
        } else if (truth) {
            s.fn++;
        } else if (predicted) {
            s.fp++;
        } else {
            s.tn++;
        }
    }

    private record Gold(String type, int start, int end) {
    }

    /** PII and secrets per type: span overlap with the same type counts as a hit. */
    public static Map<String, Score> pii() {
        List<Scanner> scanners = ScannerRegistry.all("US", List.of(), null, 0.75).stream()
                .filter(s -> !s.name().equals("prompt-injection") && !s.name().equals("toxicity")
                        && !s.name().equals("blocked-phrase")).toList();
        Inspector inspector = new Inspector(scanners, new Policy(Map.of(), PolicyAction.REDACT));
        Map<String, Score> scores = new TreeMap<>();
        for (String raw : lines("accuracy/pii-eval.txt")) {
            String marked = raw.replace("\\n", "\n");
            StringBuilder text = new StringBuilder();
            List<Gold> gold = new ArrayList<>();
            int i = 0;
            while (i < marked.length()) {
                int open = marked.indexOf('[', i);
                int colon = open < 0 ? -1 : marked.indexOf(':', open);
                boolean mark = open >= 0 && colon > open && marked.substring(open + 1, colon).matches("[A-Z_]+");
                if (!mark) {
                    text.append(marked, i, marked.length());
                    break;
                }
                int close = marked.indexOf(']', colon);
                text.append(marked, i, open);
                int s = text.length();
                text.append(marked, colon + 1, close);
                gold.add(new Gold(marked.substring(open + 1, colon), s, text.length()));
                i = close + 1;
            }
            // What the service reports: after the policy's thresholds and overlap resolution.
            List<Detection> found = inspector.inspect(text.toString()).stream().map(Hit::detection).toList();
            boolean[] matched = new boolean[gold.size()];
            for (Detection d : found) {
                if (d.score() < 0.5) {
                    continue;
                }
                Score sc = scores.computeIfAbsent(d.type(), k -> new Score());
                boolean hit = false;
                for (int g = 0; g < gold.size(); g++) {
                    Gold gd = gold.get(g);
                    if (gd.type().equals(d.type()) && d.start() < gd.end() && gd.start() < d.end()) {
                        hit = true;
                        if (!matched[g]) {
                            matched[g] = true;
                            sc.tp++;
                        }
                    }
                }
                if (!hit) {
                    sc.fp++;
                }
            }
            for (int g = 0; g < gold.size(); g++) {
                if (!matched[g]) {
                    scores.computeIfAbsent(gold.get(g).type(), k -> new Score()).fn++;
                }
            }
        }
        return scores;
    }

    /** Toxicity per category; a text with no category is a negative for every category. */
    public static Map<String, Score> toxicity() {
        ToxicityScanner scanner = new ToxicityScanner();
        Map<String, Score> scores = new LinkedHashMap<>();
        for (ToxicityScanner.Category c : ToxicityScanner.Category.values()) {
            scores.put(c.name(), new Score());
        }
        Score any = new Score();
        for (String line : lines("accuracy/toxicity-eval.tsv")) {
            int tab = line.indexOf('\t');
            String label = line.substring(0, tab);
            double[] s = scanner.scores(line.substring(tab + 1));
            boolean anyPredicted = false;
            for (ToxicityScanner.Category c : ToxicityScanner.Category.values()) {
                boolean predicted = s[c.ordinal()] >= 0.5;
                anyPredicted |= predicted;
                count(scores.get(c.name()), label.equals(c.name()), predicted);
            }
            count(any, !label.equals("NONE"), anyPredicted);
        }
        scores.put("any (toxic vs not)", any);
        return scores;
    }

    /** Grounding: a sentence is predicted unsupported when its score is under the threshold. Positive = unsupported. */
    public static Score grounding(double threshold) {
        return grounding(threshold, new GroundingScorer());
    }

    /** As {@link #grounding(double)} with a given scorer (lexical, embeddings, combined). */
    public static Score grounding(double threshold, GroundingScorer scorer) {
        Score score = new Score();
        List<String> docs = new ArrayList<>();
        boolean inDocs = false;
        for (String line : lines("accuracy/grounding-eval.tsv")) {
            int tab = line.indexOf('\t');
            String label = line.substring(0, tab);
            String text = line.substring(tab + 1);
            if (label.equals("DOC")) {
                if (!inDocs) {
                    docs = new ArrayList<>();
                }
                docs.add(text);
                inDocs = true;
                continue;
            }
            inDocs = false;
            GroundingScorer.Sentence s = scorer.score(text, docs).get(0);
            count(score, label.equals("0"), s.judged() && s.score() < threshold);
        }
        return score;
    }

    static String row(String name, Score s, boolean withFalseAlarms) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.2f | %.2f |%s", name, s.tp, s.fp, s.fn,
                s.precision(), s.recall(), s.f1(),
                withFalseAlarms ? String.format(Locale.ROOT, " %.2f |", s.falseAlarmRate()) : "");
    }

    public static void main(String[] args) {
        System.out.println("### Prompt injection (" + lines("accuracy/injection-eval.tsv").size()
                + " prompts, threshold 0.75)");
        System.out.println("| detector | TP | FP | FN | precision | recall (detection rate) | F1 | false-alarm rate |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        injection(0.75).forEach((k, v) -> System.out.println(row(k, v, true)));
        System.out.println();
        System.out.println("### PII and secrets (per entity, span overlap)");
        System.out.println("| type | TP | FP | FN | precision | recall | F1 |");
        System.out.println("|---|---|---|---|---|---|---|");
        pii().forEach((k, v) -> System.out.println(row(k, v, false)));
        System.out.println();
        System.out.println("### Toxicity (per category, score >= 0.5)");
        System.out.println("| category | TP | FP | FN | precision | recall | F1 | false-alarm rate |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        toxicity().forEach((k, v) -> System.out.println(row(k, v, true)));
        System.out.println();
        System.out.println("### Grounding (positive = unsupported sentence, threshold 0.5)");
        System.out.println("| method | TP | FP | FN | precision | recall | F1 | false-alarm rate |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        System.out.println(row("lexical (content words + bigrams + numbers)", grounding(0.5), true));
        SentenceEmbedder embedder = new SentenceEmbedder();
        System.out.println(row("embeddings only (all-MiniLM-L6-v2, best document sentence, + numbers)",
                grounding(0.5, new GroundingScorer(embedder, GroundingScorer.Method.SEMANTIC)), true));
        System.out.println(row("combined (the service's default)",
                grounding(0.5, new GroundingScorer(embedder, GroundingScorer.Method.COMBINED)), true));
    }
}
