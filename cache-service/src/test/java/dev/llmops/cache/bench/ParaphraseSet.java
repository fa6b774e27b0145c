package dev.llmops.cache.bench;

import dev.llmops.cache.semantic.Embedder;
import dev.llmops.cache.semantic.NearDuplicateCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The labelled paraphrase set (src/test/resources/paraphrase/pairs.tsv) scored by the real embedding model and
 * the real second stage: each pair gets its cosine similarity and the second stage's verdict once, then any
 * threshold is evaluated on them.
 */
public final class ParaphraseSet {

    /** One labelled pair, scored. */
    public record Pair(boolean duplicate, String kind, String a, String b, double similarity, String rejectReason) {
    }

    /** Precision/recall of "hit" at one threshold. */
    public record Point(double threshold, int tp, int fp, int fn, double precision, double recall) {
    }

    public final List<Pair> pairs;

    private ParaphraseSet(List<Pair> pairs) {
        this.pairs = pairs;
    }

    public static ParaphraseSet score(Embedder embedder) {
        return score(embedder, "/paraphrase/pairs.tsv");
    }

    public static ParaphraseSet score(Embedder embedder, String resource) {
        NearDuplicateCheck check = new NearDuplicateCheck();
        List<Pair> out = new ArrayList<>();
        for (String[] row : read(resource)) {
            float[] va = embedder.embedNow(row[2]);
            float[] vb = embedder.embedNow(row[3]);
            double cos = 0;
            for (int i = 0; i < va.length; i++) {
                cos += va[i] * vb[i];
            }
            // The cache checks the new query (b) against the stored question (a).
            out.add(new Pair(row[0].equals("1"), row[1], row[2], row[3], cos, check.reject(row[3], row[2])));
        }
        return new ParaphraseSet(out);
    }

    static List<String[]> read(String resource) {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = ParaphraseSet.class.getResourceAsStream(resource);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                if (f.length != 4) {
                    throw new IllegalStateException("pairs.tsv: expected 4 tab-separated fields: " + line);
                }
                rows.add(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** A hit = similarity >= threshold (and, with the second stage, no rejection). */
    public Point at(double threshold, boolean secondStage) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (Pair p : pairs) {
            boolean hit = p.similarity >= threshold && (!secondStage || p.rejectReason == null);
            if (hit && p.duplicate) {
                tp++;
            } else if (hit) {
                fp++;
            } else if (p.duplicate) {
                fn++;
            }
        }
        double precision = tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
        return new Point(threshold, tp, fp, fn, precision, recall);
    }
}
