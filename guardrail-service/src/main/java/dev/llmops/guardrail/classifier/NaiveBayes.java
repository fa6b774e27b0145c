package dev.llmops.guardrail.classifier;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary multinomial naive Bayes over word unigrams and bigrams, trained in milliseconds at start from a labelled
 * TSV in the jar ({@code label<TAB>text}, label 1 = positive). Small, explainable and fast (one hash lookup per
 * token); it learns which words and word pairs separate the classes, which rules alone cannot weigh. Texts are
 * expected already normalised (lower case, see {@code TextNormalizer}). Immutable after construction.
 */
public final class NaiveBayes {

    /** Laplace smoothing. */
    private static final double ALPHA = 1.0;
    /** Only the first words of a long text are scored: bounded work; the rules still see all of it. */
    private static final int MAX_TOKENS = 512;

    private final Map<String, double[]> logLikelihood; // token -> {log P(t|neg), log P(t|pos)}
    private final double[] unseen;
    private final double logPriorRatio;
    /**
     * The same model for scoring without building token strings: word -> id, the per-word log-likelihood ratio by
     * id, and bigrams keyed by {@code id1 << 32 | id2} in an open-addressing table. Every trained bigram's words are
     * trained unigrams, so a bigram with an unknown word is unknown.
     */
    private final Map<String, Integer> wordIds;
    private final double[] wordRatio;
    private final long[] bigramKeys;
    private final double[] bigramRatio;

    private NaiveBayes(Map<String, double[]> logLikelihood, double[] unseen, double logPriorRatio) {
        this.logLikelihood = logLikelihood;
        this.unseen = unseen;
        this.logPriorRatio = logPriorRatio;
        Map<String, Integer> ids = new HashMap<>();
        List<Double> ratios = new ArrayList<>();
        logLikelihood.forEach((t, l) -> {
            if (t.indexOf('_') < 0) {
                ids.put(t, ids.size());
                ratios.add(l[1] - l[0]);
            }
        });
        this.wordIds = Map.copyOf(ids);
        this.wordRatio = ratios.stream().mapToDouble(Double::doubleValue).toArray();
        int capacity = Integer.highestOneBit(Math.max(16, logLikelihood.size() * 4));
        this.bigramKeys = new long[capacity];
        this.bigramRatio = new double[capacity];
        java.util.Arrays.fill(bigramKeys, -1L);
        logLikelihood.forEach((t, l) -> {
            int u = t.indexOf('_');
            if (u < 0) {
                return;
            }
            Integer a = ids.get(t.substring(0, u));
            Integer b = ids.get(t.substring(u + 1));
            if (a == null || b == null) {
                return; // a word with '_' of its own: never produced by tokens(), so never looked up
            }
            long key = (long) a << 32 | b;
            int slot = slot(key);
            while (bigramKeys[slot] != -1L) {
                slot = (slot + 1) & (bigramKeys.length - 1);
            }
            bigramKeys[slot] = key;
            bigramRatio[slot] = l[1] - l[0];
        });
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (bigramKeys.length - 1);
    }

    public record Example(boolean positive, String text) {
    }

    /** Reads {@code label<TAB>text} lines; blank lines and lines starting with '#' are skipped. */
    public static List<Example> read(String resource) {
        InputStream in = NaiveBayes.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("classifier training set " + resource + " is not on the class path");
        }
        List<Example> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IllegalStateException(resource + ":" + no + ": expected label<TAB>text");
                }
                out.add(new Example(line.substring(0, tab).trim().equals("1"), line.substring(tab + 1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Trains on examples whose text is passed through {@code normalise} first. */
    public static NaiveBayes train(List<Example> examples, java.util.function.UnaryOperator<String> normalise) {
        Map<String, int[]> counts = new HashMap<>();
        int[] totals = new int[2];
        int[] docs = new int[2];
        for (Example e : examples) {
            int c = e.positive() ? 1 : 0;
            docs[c]++;
            for (String t : tokens(normalise.apply(e.text()))) {
                counts.computeIfAbsent(t, k -> new int[2])[c]++;
                totals[c]++;
            }
        }
        if (docs[0] == 0 || docs[1] == 0) {
            throw new IllegalStateException("a training set needs examples of both classes");
        }
        int vocabulary = counts.size();
        double[] denominators = {totals[0] + ALPHA * vocabulary, totals[1] + ALPHA * vocabulary};
        Map<String, double[]> ll = new HashMap<>(counts.size() * 2);
        counts.forEach((t, c) -> ll.put(t, new double[] {Math.log((c[0] + ALPHA) / denominators[0]),
            Math.log((c[1] + ALPHA) / denominators[1])}));
        double[] unseen = {Math.log(ALPHA / denominators[0]), Math.log(ALPHA / denominators[1])};
        return new NaiveBayes(Map.copyOf(ll), unseen, Math.log((double) docs[1] / docs[0]));
    }

    /**
     * P(positive | text). Unknown tokens are skipped (they carry no evidence either way); the log-odds are averaged
     * over known tokens and scaled back up with a cap, so a long benign text with one trigger word is not swamped
     * and a long one is not overconfident purely for its length.
     */
    public double probability(String normalised) {
        // Same sums, in the same order, as over tokens(): the words first, then the adjacent pairs.
        int[] ids = wordIdsOf(normalised);
        int words = ids.length;
        double logOdds = 0;
        int known = 0;
        for (int k = 0; k < words; k++) {
            if (ids[k] >= 0) {
                logOdds += wordRatio[ids[k]];
                known++;
            }
        }
        for (int k = 1; k < words; k++) {
            if (ids[k - 1] < 0 || ids[k] < 0) {
                continue;
            }
            long key = (long) ids[k - 1] << 32 | ids[k];
            for (int slot = slot(key); bigramKeys[slot] != -1L; slot = (slot + 1) & (bigramKeys.length - 1)) {
                if (bigramKeys[slot] == key) {
                    logOdds += bigramRatio[slot];
                    known++;
                    break;
                }
            }
        }
        if (known == 0) {
            return 1 / (1 + Math.exp(-logPriorRatio));
        }
        double scaled = logOdds / known * Math.min(known, 12) + logPriorRatio;
        return 1 / (1 + Math.exp(-scaled));
    }

    /** The id of each word of {@link #tokens}' word list, -1 for a word the model does not know. */
    private int[] wordIdsOf(String text) {
        List<String> words = words(text);
        int[] ids = new int[words.size()];
        for (int k = 0; k < ids.length; k++) {
            Integer id = wordIds.get(words.get(k));
            ids[k] = id == null ? -1 : id;
        }
        return ids;
    }

    /** Words of letters/digits/apostrophes, plus each adjacent pair joined by '_'. */
    static List<String> tokens(String text) {
        List<String> words = words(text);
        List<String> out = new ArrayList<>(words.size() * 2);
        out.addAll(words);
        for (int k = 1; k < words.size(); k++) {
            out.add(words.get(k - 1) + '_' + words.get(k));
        }
        return out;
    }

    /** The first {@link #MAX_TOKENS} words of letters/digits/apostrophes, lower-cased. */
    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n && words.size() < MAX_TOKENS) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int s = i;
            while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '\'')) {
                i++;
            }
            if (i > s) {
                words.add(text.substring(s, i).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return words;
    }

    public int vocabularySize() {
        return logLikelihood.size();
    }

    double unseenLogOdds() {
        return unseen[1] - unseen[0];
    }
}
