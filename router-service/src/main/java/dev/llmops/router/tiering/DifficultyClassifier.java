package dev.llmops.router.tiering;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Predicts how hard a prompt is, in [0, 1], from two halves:
 * <ul>
 *   <li>features: length (log of words), code (fences, code tokens, stack traces), math (proof/derivation
 *   vocabulary, formulas), multi-step instructions (sequencing words, numbered steps, several asks);</li>
 *   <li>the nearest labelled examples: TF-IDF cosine over word unigrams and bigrams, the similarity-weighted mean of
 *   the {@code k} nearest examples' tier difficulty (cheap 0, mid 0.5, premium 1).</li>
 * </ul>
 * No model download, no regex backtracking: one pass over the characters and a scan of the examples (about 150).
 */
public final class DifficultyClassifier {
    private static final Set<String> STOP = Set.of("the", "a", "an", "of", "to", "in", "and", "or", "is", "are", "for",
            "on", "with", "this", "that", "it", "be", "as", "at", "by", "from", "me", "my", "our", "we", "you", "your",
            "i", "what", "how", "do", "does", "can", "please", "give", "write");
    private static final String[] CODE = {"```", "def ", "func ", "class ", "import ", "return ", "=>", "();", "{\n",
            "exception", "stack trace", "\tat ", "select ", "null", "sql", "java", "python", "javascript", "typescript",
            "c++", "go code", "react", "kubernetes", "jvm", "docker", "bash", "regex", "api"};
    private static final String[] MATH = {"prove", "proof", "derive", "integral", "eigen", "theorem", "probability",
            "equation", "converge", "diverge", "induction", "matrix", "closed form", "integer solutions", "^",
            "complexity", "o(n", "sum of", "derivation", "formula", "estimate"};
    private static final String[] STEPS = {"step by step", "step-by-step", "first", "second", "then", "finally",
            "after that", "and then", "explain", "compare", "design", "analyse", "analyze", "propose", "plan",
            "justify", "trade-off", "trade-offs", "recommend", "root cause", "evaluate", "critically", "verify",
            "list the", "outline how", "walk me through"};

    private final List<Vectorised> examples;
    private final Map<String, Double> idf;
    private final int k;

    public DifficultyClassifier(List<LabelledPrompts.Example> labelled, int neighbours) {
        this.k = neighbours;
        Map<String, Integer> documentFrequency = new HashMap<>();
        List<Map<String, Integer>> counts = new ArrayList<>();
        for (LabelledPrompts.Example e : labelled) {
            Map<String, Integer> c = terms(e.text());
            counts.add(c);
            c.keySet().forEach(t -> documentFrequency.merge(t, 1, Integer::sum));
        }
        Map<String, Double> weights = new HashMap<>();
        int n = Math.max(1, labelled.size());
        documentFrequency.forEach((t, df) -> weights.put(t, Math.log(1.0 + (double) n / df)));
        this.idf = weights;
        List<Vectorised> vectors = new ArrayList<>();
        for (int i = 0; i < labelled.size(); i++) {
            vectors.add(new Vectorised(labelled.get(i).tier(), vector(counts.get(i))));
        }
        this.examples = List.copyOf(vectors);
    }

    public static DifficultyClassifier shipped(int neighbours) {
        return new DifficultyClassifier(LabelledPrompts.load(), neighbours);
    }

    /** What the prediction is made of; {@link #score()} is the prediction. */
    public record Prediction(double length, double code, double math, double steps, double neighbours, double score) {
    }

    public Prediction predict(String prompt) {
        String lower = prompt.toLowerCase(Locale.ROOT);
        int words = countWords(lower);
        double length = Math.min(1.0, Math.log1p(words) / Math.log1p(300));
        double code = Math.min(1.0, hits(lower, CODE) / 3.0);
        double math = Math.min(1.0, hits(lower, MATH) / 2.0 + digitOperatorDensity(lower));
        double steps = Math.min(1.0, (hits(lower, STEPS) + Math.max(0, questionMarks(lower) - 1)) / 4.0);
        double features = 0.25 * length + 0.2 * code + 0.25 * math + 0.3 * steps;
        double nearest = neighbours(lower);
        double score = nearest < 0 ? features : 0.5 * features + 0.5 * nearest;
        return new Prediction(length, code, math, steps, nearest, Math.max(0, Math.min(1, score)));
    }

    public double score(String prompt) {
        return predict(prompt).score();
    }

    /** Similarity-weighted difficulty of the k nearest examples, or -1 when none shares a term with the prompt. */
    private double neighbours(String lower) {
        Map<String, Double> q = vector(terms(lower));
        if (q.isEmpty() || examples.isEmpty()) {
            return -1;
        }
        double[] sims = new double[examples.size()];
        for (int i = 0; i < sims.length; i++) {
            sims[i] = dot(q, examples.get(i).vector);
        }
        double weighted = 0;
        double total = 0;
        boolean[] used = new boolean[sims.length];
        for (int n = 0; n < Math.min(k, sims.length); n++) {
            int best = -1;
            for (int i = 0; i < sims.length; i++) {
                if (!used[i] && (best < 0 || sims[i] > sims[best])) {
                    best = i;
                }
            }
            used[best] = true;
            if (sims[best] <= 0) {
                break;
            }
            weighted += sims[best] * examples.get(best).tier.difficulty();
            total += sims[best];
        }
        return total == 0 ? -1 : weighted / total;
    }

    private Map<String, Double> vector(Map<String, Integer> counts) {
        Map<String, Double> v = new HashMap<>();
        double norm = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            Double w = idf.get(e.getKey());
            if (w == null) {
                continue; // a term no example has cannot make two prompts alike
            }
            double x = (1 + Math.log(e.getValue())) * w;
            v.put(e.getKey(), x);
            norm += x * x;
        }
        if (norm > 0) {
            double inv = 1 / Math.sqrt(norm);
            v.replaceAll((t, x) -> x * inv);
        }
        return v;
    }

    /** Counts of word unigrams (stop words dropped) and bigrams of the remaining words. */
    static Map<String, Integer> terms(String text) {
        Map<String, Integer> out = new HashMap<>();
        String previous = null;
        StringBuilder word = new StringBuilder();
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i <= lower.length(); i++) {
            char c = i < lower.length() ? lower.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                word.append(c);
                continue;
            }
            if (word.length() > 0) {
                String w = word.toString();
                word.setLength(0);
                if (!STOP.contains(w)) {
                    out.merge(w, 1, Integer::sum);
                    if (previous != null) {
                        out.merge(previous + " " + w, 1, Integer::sum);
                    }
                    previous = w;
                }
            }
        }
        return out;
    }

    private static double dot(Map<String, Double> a, Map<String, Double> b) {
        Map<String, Double> small = a.size() <= b.size() ? a : b;
        Map<String, Double> large = small == a ? b : a;
        double sum = 0;
        for (Map.Entry<String, Double> e : small.entrySet()) {
            Double other = large.get(e.getKey());
            if (other != null) {
                sum += e.getValue() * other;
            }
        }
        return sum;
    }

    private static int hits(String lower, String[] needles) {
        int n = 0;
        for (String needle : needles) {
            if (lower.contains(needle)) {
                n++;
            }
        }
        return n;
    }

    private static int countWords(String s) {
        int n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            boolean space = Character.isWhitespace(s.charAt(i));
            if (!space && !in) {
                n++;
            }
            in = !space;
        }
        return n;
    }

    private static int questionMarks(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '?') {
                n++;
            }
        }
        return n;
    }

    /** Formulas: digits next to operators (x^2, 3x + 7, 10^9), as a share capped at 0.5. */
    private static double digitOperatorDensity(String s) {
        int n = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            char p = s.charAt(i - 1);
            if ((c == '^' || c == '=' || c == '*' || c == '/') && (Character.isLetterOrDigit(p) || p == ' ')) {
                n++;
            }
        }
        return Math.min(0.5, n / 6.0);
    }

    private record Vectorised(Tier tier, Map<String, Double> vector) {
    }
}
