package dev.llmops.guardrail.output;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Support of each answer sentence by the context documents, from lexical evidence (no model, microseconds per
 * sentence):
 * <ul>
 *   <li>content-word recall: the share of the sentence's content words (stop words removed, light stemming) that
 *   appear in the document, weighted by inverse frequency over the documents' vocabulary so rare words count more;</li>
 *   <li>bigram bonus: adjacent content-word pairs found in the document as pairs;</li>
 *   <li>numbers must match: a number in the sentence that no document holds caps the score at 0.3, since a changed
 *   figure is the typical hallucination that word overlap would miss.</li>
 * </ul>
 * The best document wins. Sentences with fewer than three content words (greetings, "Sure!") are not judged
 * (score 1). This catches invented facts and figures, not paraphrases with new words or negations that keep the words;
 * the measured accuracy is in the README.
 */
public final class GroundingScorer {

    public record Sentence(int start, int end, double score, int bestDocument, boolean judged) {
    }

    private static final Set<String> STOP = Set.of(("a an the and or but if then so of to in on at by for with from "
            + "as is are was were be been being it its this that these those there here i you he she we they them "
            + "his her their our your my me us do does did done have has had having not no yes can could will would "
            + "shall should may might must also very just about into over under than too more most less such only "
            + "own same other some any each all both few many much what which who whom whose when where why how "
            + "up down out off again further once because while during before after above below between through "
            + "per via yet still even like").split(" "));

    public List<Sentence> score(String answer, List<String> documents) {
        List<Set<String>> docWords = new ArrayList<>();
        List<Set<String>> docBigrams = new ArrayList<>();
        Set<String> docNumbers = new HashSet<>();
        java.util.Map<String, Integer> df = new java.util.HashMap<>();
        for (String d : documents) {
            List<String> words = contentWords(d);
            Set<String> set = new HashSet<>(words);
            docWords.add(set);
            docBigrams.add(bigrams(words));
            docNumbers.addAll(numbers(d));
            for (String w : set) {
                df.merge(w, 1, Integer::sum);
            }
        }
        List<Sentence> out = new ArrayList<>();
        for (int[] span : sentences(answer)) {
            String s = answer.substring(span[0], span[1]);
            List<String> words = contentWords(s);
            Set<String> unique = new java.util.LinkedHashSet<>(words);
            if (unique.size() < 3) {
                out.add(new Sentence(span[0], span[1], 1.0, -1, false));
                continue;
            }
            Set<String> pairs = bigrams(words);
            double best = 0;
            int bestDoc = -1;
            for (int d = 0; d < documents.size(); d++) {
                double total = 0;
                double found = 0;
                for (String w : unique) {
                    // Rarer words weigh more; a word in no document weighs the most.
                    double weight = 1.0 + Math.log(1.0 + documents.size() / (double) (1 + df.getOrDefault(w, 0)));
                    total += weight;
                    if (docWords.get(d).contains(w)) {
                        found += weight;
                    }
                }
                double recall = total == 0 ? 0 : found / total;
                double pairShare = 0;
                if (!pairs.isEmpty()) {
                    int hit = 0;
                    for (String p : pairs) {
                        hit += docBigrams.get(d).contains(p) ? 1 : 0;
                    }
                    pairShare = hit / (double) pairs.size();
                }
                double score = Math.min(1.0, 0.8 * recall + 0.2 * pairShare + (pairShare > 0.5 ? 0.1 : 0));
                if (score > best) {
                    best = score;
                    bestDoc = d;
                }
            }
            for (String n : numbers(s)) {
                if (!docNumbers.contains(n)) {
                    best = Math.min(best, 0.3);
                    break;
                }
            }
            out.add(new Sentence(span[0], span[1], Math.round(best * 1000) / 1000.0, bestDoc, true));
        }
        return out;
    }

    /** Sentence spans: ends at . ! ? or newline followed by whitespace/end; decimals and "e.g." do not split. */
    static List<int[]> sentences(String text) {
        List<int[]> out = new ArrayList<>();
        int n = text.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean end = c == '\n' || ((c == '.' || c == '!' || c == '?')
                    && (i + 1 == n || Character.isWhitespace(text.charAt(i + 1)))
                    && !(c == '.' && i >= 2 && text.charAt(i - 2) == '.' ) // "e.g." / "i.e."
                    && !(c == '.' && i >= 1 && Character.isUpperCase(text.charAt(i - 1))
                            && (i < 2 || !Character.isLetter(text.charAt(i - 2))))); // initials "J."
            if (end || i == n - 1) {
                int e = i + 1;
                int s = start;
                while (s < e && Character.isWhitespace(text.charAt(s))) {
                    s++;
                }
                int t = e;
                while (t > s && Character.isWhitespace(text.charAt(t - 1))) {
                    t--;
                }
                if (t > s) {
                    out.add(new int[] {s, t});
                }
                start = e;
            }
        }
        return out;
    }

    static List<String> contentWords(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            int s = i;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))) {
                i++;
            }
            if (i > s) {
                String w = text.substring(s, i).toLowerCase(Locale.ROOT);
                if (!STOP.contains(w) && !(w.length() == 1 && Character.isLetter(w.charAt(0)))) {
                    out.add(stem(w));
                }
            }
        }
        return out;
    }

    /** Very light stemming (plural and common verb endings), enough for "costs"/"cost", "launched"/"launch". */
    static String stem(String w) {
        if (w.length() > 5 && w.endsWith("ies")) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.length() > 5 && (w.endsWith("ing") || w.endsWith("ed"))) {
            return w.substring(0, w.length() - (w.endsWith("ing") ? 3 : 2));
        }
        if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
            return w.substring(0, w.length() - 1);
        }
        return w;
    }

    private static Set<String> bigrams(List<String> words) {
        Set<String> out = new HashSet<>();
        for (int k = 1; k < words.size(); k++) {
            out.add(words.get(k - 1) + ' ' + words.get(k));
        }
        return out;
    }

    /** Numbers with their separators removed ("1,200" = "1200"); years and figures alike. */
    static Set<String> numbers(String text) {
        Set<String> out = new HashSet<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!Character.isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            StringBuilder sb = new StringBuilder();
            while (i < n && (Character.isDigit(text.charAt(i)) || ((text.charAt(i) == ',' || text.charAt(i) == '.')
                    && i + 1 < n && Character.isDigit(text.charAt(i + 1))))) {
                if (text.charAt(i) != ',') {
                    sb.append(text.charAt(i));
                }
                i++;
            }
            out.add(sb.toString());
        }
        return out;
    }
}
