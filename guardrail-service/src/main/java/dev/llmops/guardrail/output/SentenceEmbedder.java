package dev.llmops.guardrail.output;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * Sentence embeddings from all-MiniLM-L6-v2 (quantised ONNX, 384 dimensions, unit length), computed in this process
 * from the model inside the langchain4j jar (the cache-service uses the same model). A few milliseconds per sentence:
 * only ever called for answers that came with context documents, on a worker thread. Thread-safe.
 */
public final class SentenceEmbedder {
    /** The model reads at most 256 word pieces; longer sentences gain nothing and cost more. */
    private static final int MAX_CHARS = 1000;

    private final AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

    public float[] embed(String text) {
        return model.embed(text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text).content().vector();
    }

    /** Cosine similarity of two unit vectors. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
