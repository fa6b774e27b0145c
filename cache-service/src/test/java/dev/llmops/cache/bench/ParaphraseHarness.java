package dev.llmops.cache.bench;

import dev.llmops.cache.semantic.Embedder;
import java.util.Locale;

/**
 * Prints precision and recall of semantic hits across thresholds on the labelled paraphrase set, for the
 * embedding alone and with the second stage, and the lowest threshold whose precision is at least 0.97 with the
 * second stage. Run with {@code cache-service/bench/paraphrase-harness.sh}.
 */
public final class ParaphraseHarness {
    public static void main(String[] args) {
        Embedder embedder = new Embedder(1, 16, 2000);
        ParaphraseSet set = ParaphraseSet.score(embedder);
        long dups = set.pairs.stream().filter(ParaphraseSet.Pair::duplicate).count();
        System.out.printf(Locale.ROOT, "pairs: %d (%d duplicates, %d hard non-duplicates)%n%n", set.pairs.size(), dups,
                set.pairs.size() - dups);
        System.out.println("| threshold | embedding: precision | recall | FP | + second stage: precision | recall | FP |");
        System.out.println("|---|---|---|---|---|---|---|");
        Double chosen = null;
        for (int i = 0; i <= 20; i++) {
            double t = 0.60 + i * 0.02;
            ParaphraseSet.Point a = set.at(t, false);
            ParaphraseSet.Point b = set.at(t, true);
            System.out.printf(Locale.ROOT, "| %.2f | %.3f | %.3f | %d | %.3f | %.3f | %d |%n", t, a.precision(),
                    a.recall(), a.fp(), b.precision(), b.recall(), b.fp());
            if (chosen == null && b.precision() >= 0.97 && b.tp() > 0) {
                chosen = t;
            }
        }
        System.out.println();
        System.out.println(chosen == null ? "no threshold reaches precision 0.97"
                : String.format(Locale.ROOT, "lowest threshold with precision >= 0.97 (second stage on): %.2f", chosen));
        double t = args.length > 0 ? Double.parseDouble(args[0]) : chosen == null ? 0.9 : chosen;
        System.out.printf(Locale.ROOT, "%nfalse hits and second-stage rejections at %.2f:%n", t);
        for (ParaphraseSet.Pair p : set.pairs) {
            if (p.similarity() >= t && (!p.duplicate() || p.rejectReason() != null)) {
                System.out.printf(Locale.ROOT, "  %s %-11s sim %.3f %-13s %s | %s%n", p.duplicate() ? "dup" : "NON",
                        p.kind(), p.similarity(), p.rejectReason() == null ? "(served)" : p.rejectReason(), p.a(),
                        p.b());
            }
        }
        ParaphraseSet holdout = ParaphraseSet.score(embedder, "/paraphrase/holdout.tsv");
        System.out.printf(Locale.ROOT, "%nheld-out set (%d pairs, not used for tuning):%n%n", holdout.pairs.size());
        System.out.println("| threshold | embedding: precision | recall | FP | + second stage: precision | recall | FP |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (double h : new double[] {0.70, 0.76, 0.80, 0.84, 0.86, 0.88, 0.90}) {
            ParaphraseSet.Point a = holdout.at(h, false);
            ParaphraseSet.Point b = holdout.at(h, true);
            System.out.printf(Locale.ROOT, "| %.2f | %.3f | %.3f | %d | %.3f | %.3f | %d |%n", h, a.precision(),
                    a.recall(), a.fp(), b.precision(), b.recall(), b.fp());
        }
        for (ParaphraseSet.Pair p : holdout.pairs) {
            if (p.similarity() >= t && (!p.duplicate() || p.rejectReason() != null)) {
                System.out.printf(Locale.ROOT, "  %s %-11s sim %.3f %-13s %s | %s%n", p.duplicate() ? "dup" : "NON",
                        p.kind(), p.similarity(), p.rejectReason() == null ? "(served)" : p.rejectReason(), p.a(),
                        p.b());
            }
        }
        System.exit(0);
    }
}
