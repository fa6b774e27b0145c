package dev.llmops.guardrail.output;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Support of each answer sentence by the context documents, from lexical evidence and, when an embedder is given,
 * sentence embeddings. Lexical evidence (no model, microseconds per sentence):
 * <ul>
 *   <li>content-word recall: the share of the sentence's content words (stop words removed, light stemming) that
 *   appear in the document, weighted by inverse frequency over the documents' vocabulary so rare words count more;</li>
 *   <li>bigram bonus: adjacent content-word pairs found in the document as pairs;</li>
 *   <li>numbers must match: a number in the sentence that no document holds caps the score at 0.3, since a changed
 *   figure is the typical hallucination that word overlap would miss.</li>
 * </ul>
 * The best document wins. Embeddings (all-MiniLM-L6-v2): the best cosine similarity between the sentence and any
 * sentence of the documents. Combined: a sentence the words do not support (lexical score under
 * {@link #LEXICAL_ENOUGH}) is lifted to its semantic score when the embeddings are confident (cosine at least
 * {@link #COSINE_LIFT}: a faithful paraphrase with new words); below that, similarity alone decides nothing, since
 * a sentence on the same topic that claims something else ("the library is open every day") is close in embedding
 * space too. The number rule caps the result as before. Sentences with fewer than three content words (greetings,
 * "Sure!") are not judged (score 1). Negations that keep the words pass both; the measured accuracy (lexical,
 * embeddings only, combined) is in the README.
 */
public final class GroundingScorer {

    public record Sentence(int start, int end, double score, int bestDocument, boolean judged) {
    }

    /** How the lexical and the semantic evidence are combined (the harness compares them). */
    public enum Method { LEXICAL, SEMANTIC, COMBINED }

    /** A lexical score from which a sentence counts as supported without asking the embeddings. */
    static final double LEXICAL_ENOUGH = 0.75;
    /** Cosine similarities mapped linearly to [0, 1] between these (all-MiniLM-L6-v2: unrelated ~0.1, same claim ~0.8). */
    static final double COSINE_LOW = 0.35;
    static final double COSINE_HIGH = 0.85;
    /**
     * From this cosine the embeddings may lift a sentence (semantic score 0.9). Chosen on the labelled set: a mean of
     * the two scores, or a lower bar, let more topic-alike false claims through than it rescued paraphrases.
     */
    static final double COSINE_LIFT = 0.8;
    /** Document sentences embedded per check at most (a few ms each); the rest count lexically only. */
    static final int MAX_DOCUMENT_SENTENCES = 256;
    /** Answer sentences embedded per check at most; later ones are judged lexically only (bounded work per check). */
    static final int MAX_ANSWER_SENTENCES = 64;

    private final SentenceEmbedder embedder;
    private final Method method;

    /** Lexical evidence only. */
    public GroundingScorer() {
        this(null, Method.LEXICAL);
    }

    public GroundingScorer(SentenceEmbedder embedder, Method method) {
        if (embedder == null && method != Method.LEXICAL) {
            throw new IllegalArgumentException(method + " grounding needs an embedder");
        }
        this.embedder = embedder;
        this.method = method;
    }

    static double semanticScore(double cosine) {
        return Math.max(0, Math.min(1, (cosine - COSINE_LOW) / (COSINE_HIGH - COSINE_LOW)));
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
        DocumentVectors vectors = method == Method.LEXICAL ? null : new DocumentVectors(documents);
        int embedded = 0;
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
            boolean unknownNumber = false;
            for (String n : numbers(s)) {
                if (!docNumbers.contains(n)) {
                    unknownNumber = true;
                    break;
                }
            }
            if (vectors != null && !unknownNumber && (method == Method.SEMANTIC || best < LEXICAL_ENOUGH)
                    && embedded++ < MAX_ANSWER_SENTENCES) {
                double[] semantic = vectors.best(embedder.embed(s));
                double sem = semanticScore(semantic[0]);
                if (method == Method.SEMANTIC || (semantic[0] >= COSINE_LIFT && sem > best)) {
                    best = sem;
                    bestDoc = (int) semantic[1];
                }
            }
            if (unknownNumber) {
                best = Math.min(best, 0.3);
            }
            out.add(new Sentence(span[0], span[1], Math.round(best * 1000) / 1000.0, bestDoc, true));
        }
        return out;
    }

    /** The documents' sentences, embedded on first use (answers that are lexically supported never pay for it). */
    private final class DocumentVectors {
        private final List<String> documents;
        private List<float[]> vectors;
        private List<Integer> owner;

        DocumentVectors(List<String> documents) {
            this.documents = documents;
        }

        /** {best cosine, index of its document}. */
        double[] best(float[] sentence) {
            if (vectors == null) {
                vectors = new ArrayList<>();
                owner = new ArrayList<>();
                for (int d = 0; d < documents.size() && vectors.size() < MAX_DOCUMENT_SENTENCES; d++) {
                    String doc = documents.get(d);
                    for (int[] span : sentences(doc)) {
                        if (vectors.size() == MAX_DOCUMENT_SENTENCES) {
                            break;
                        }
                        vectors.add(embedder.embed(doc.substring(span[0], span[1])));
                        owner.add(d);
                    }
                }
            }
            double best = 0;
            int doc = -1;
            for (int k = 0; k < vectors.size(); k++) {
                double c = SentenceEmbedder.cosine(sentence, vectors.get(k));
                if (c > best) {
                    best = c;
                    doc = owner.get(k);
                }
            }
            return new double[] {best, doc};
        }
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
