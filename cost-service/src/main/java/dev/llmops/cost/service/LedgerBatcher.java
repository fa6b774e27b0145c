package dev.llmops.cost.service;

import dev.llmops.cost.LedgerRow;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.repository.LedgerRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Groups ledger rows into batches: a batch is written when it is full or when its first row has waited
 * {@code llmops.cost.ledger.batch-linger}. Each caller's Uni completes after its batch committed, so the
 * message it came from is acked only then. Batches may run in parallel (up to the pool size).
 */
@ApplicationScoped
public class LedgerBatcher {
    private record Pending(LedgerRow row, CompletableFuture<Boolean> done) {
    }

    private final LedgerRepository repository;
    private final Vertx vertx;
    private final int batchSize;
    private final long lingerMs;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean timerSet = new AtomicBoolean();

    public LedgerBatcher(LedgerRepository repository, Vertx vertx, CostConfig config) {
        this.repository = repository;
        this.vertx = vertx;
        this.batchSize = Math.max(1, config.ledger().batchSize());
        this.lingerMs = Math.max(1, config.ledger().batchLinger().toMillis());
    }

    /** @return true when the row is new, false when its request id was already in the ledger */
    public Uni<Boolean> write(LedgerRow row) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        queue.add(new Pending(row, done));
        if (queued.incrementAndGet() >= batchSize) {
            flush();
        } else if (timerSet.compareAndSet(false, true)) {
            vertx.setTimer(lingerMs, id -> {
                timerSet.set(false);
                flush();
            });
        }
        return Uni.createFrom().completionStage(done);
    }

    private void flush() {
        List<Pending> batch = new ArrayList<>(batchSize);
        Pending p;
        while (batch.size() < batchSize && (p = queue.poll()) != null) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        queued.addAndGet(-batch.size());
        List<LedgerRow> rows = new ArrayList<>(batch.size());
        batch.forEach(x -> rows.add(x.row()));
        repository.insertBatch(rows).subscribe().with(inserted -> {
            for (int i = 0; i < inserted.length; i++) {
                batch.get(i).done().complete(inserted[i]);
            }
        }, failure -> batch.forEach(x -> x.done().completeExceptionally(failure)));
        // rows that arrived meanwhile either fill the next batch or wait for a timer
        if (queued.get() >= batchSize) {
            flush();
        } else if (queued.get() > 0 && timerSet.compareAndSet(false, true)) {
            vertx.setTimer(lingerMs, id -> {
                timerSet.set(false);
                flush();
            });
        }
    }
}
