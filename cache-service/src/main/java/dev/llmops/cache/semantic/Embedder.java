package dev.llmops.cache.semantic;

import dev.llmops.cache.config.SemanticConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** ONNX threads per embedding: the pool gives parallelism across texts (see {@link MiniLmModel}). */
    private static final int INTRA_OP_THREADS = 1;

    private final MiniLmModel model;
    private final ThreadPoolExecutor pool;
    private final int maxChars;
    /** The latest texts embedded (the router embeds a question on Lookup, then again on Store after a miss). */
    private final Map<String, float[]> recent;
    private final int recentMax;

    @jakarta.inject.Inject
    public Embedder(SemanticConfig config) {
        this(Math.max(1, config.embedThreads()), Math.max(1, config.embedQueue()), config.maxTextChars(),
                Math.max(0, config.embedMemo()));
    }

    /** Without remembering recent texts (benchmarks, harnesses). */
    public Embedder(int threads, int queue, int maxChars) {
        this(threads, queue, maxChars, 0);
    }

    public Embedder(int threads, int queue, int maxChars, int remember) {
        // The model is loaded once (about 1 s); its own session is thread-safe.
        this.model = new MiniLmModel(INTRA_OP_THREADS);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "cache-embed-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.maxChars = maxChars;
        this.recentMax = remember;
        this.recent = new LinkedHashMap<>(16, 0.75f, true) { // access order: least recently used first
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > recentMax;
            }
        };
    }

    /**
     * The embedding of this text if it was computed lately (the same text always gives the same vector), else
     * null. Callers must not modify the array.
     */
    public float[] recent(String text) {
        if (recentMax == 0) {
            return null;
        }
        String t = truncated(text);
        synchronized (recent) {
            return recent.get(t);
        }
    }

    /** The unit-length embedding of the text; fails with {@link Overloaded} when the queue is full. */
    public Uni<float[]> embed(String text) {
        return Uni.createFrom().emitter(em -> {
            try {
                pool.execute(() -> {
                    try {
                        float[] v = embedNow(text);
                        remember(text, v);
                        em.complete(v);
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
        return model.embed(truncated(text)).content().vector();
    }

    private String truncated(String text) {
        return text.length() > maxChars ? text.substring(0, maxChars) : text;
    }

    private void remember(String text, float[] v) {
        if (recentMax > 0) {
            String t = truncated(text);
            synchronized (recent) {
                recent.put(t, v);
            }
        }
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
