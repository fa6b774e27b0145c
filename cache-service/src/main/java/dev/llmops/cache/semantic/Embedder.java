package dev.llmops.cache.semantic;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.llmops.cache.config.SemanticConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sentence embeddings from all-MiniLM-L6-v2 (quantised ONNX, 384 dimensions, unit length), computed in this
 * process from the model inside the langchain4j jar. Runs on its own small pool, never on the event loop; the
 * queue is bounded so a burst turns into misses instead of growing latency without limit.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // load the model (about 1 s) before the first request, not during it
public class Embedder {
    public static final int DIMENSIONS = 384;

    private final AllMiniLmL6V2QuantizedEmbeddingModel model;
    private final ThreadPoolExecutor pool;
    private final int maxChars;

    @jakarta.inject.Inject
    public Embedder(SemanticConfig config) {
        this(Math.max(1, config.embedThreads()), Math.max(1, config.embedQueue()), config.maxTextChars());
    }

    public Embedder(int threads, int queue, int maxChars) {
        // The model is loaded once (about 1 s); its own session is thread-safe.
        this.model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "cache-embed-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.maxChars = maxChars;
    }

    /** The unit-length embedding of the text; fails with {@link Overloaded} when the queue is full. */
    public Uni<float[]> embed(String text) {
        return Uni.createFrom().emitter(em -> {
            try {
                pool.execute(() -> {
                    try {
                        em.complete(embedNow(text));
                    } catch (RuntimeException e) {
                        em.fail(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                em.fail(new Overloaded());
            }
        });
    }

    /** On the calling thread (benchmarks, harnesses). */
    public float[] embedNow(String text) {
        String t = text.length() > maxChars ? text.substring(0, maxChars) : text;
        return model.embed(t).content().vector();
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    /** Every embedding thread is busy and the queue is full. */
    public static final class Overloaded extends RuntimeException {
        Overloaded() {
            super("embedding queue full", null, false, false);
        }
    }
}
