package dev.llmops.router.client;

import dev.llmops.router.config.RouterConfig;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.MutinyCacheServiceGrpc.MutinyCacheServiceStub;
import llmops.cache.v1.StoreBatchRequest;
import llmops.cache.v1.StoreBatchResponse;
import llmops.cache.v1.StoreOutcome;
import llmops.cache.v1.StoreRequest;

/**
 * The cache-service. The cache is an optimisation: a failed lookup is a miss, a failed store is only logged. Stores
 * leave in batches: the first answer waits {@code llmops.router.cache-store-linger} for others to join it, so under
 * load one StoreBatch call (one wake-up of the cache-service and one round of Redis calls) carries many answers.
 */
@ApplicationScoped
public class CacheClient {
    /** The cache-service's bound on stores per StoreBatch is 256; a batch also stays under 4 MiB of requests. */
    static final int MAX_BATCH = 128;
    static final int MAX_BATCH_BYTES = 4 << 20;
    private final MutinyCacheServiceStub stub;
    private final long deadlineMillis;
    private final long lingerMillis;
    private final Vertx vertx;
    private List<StoreRequest> pending = new ArrayList<>();
    private long pendingBytes;
    private boolean flushScheduled;

    public CacheClient(@GrpcClient("cache") MutinyCacheServiceStub stub, RouterConfig config, Vertx vertx) {
        this.stub = stub;
        this.deadlineMillis = config.deadlines().cache().toMillis();
        this.lingerMillis = config.cacheStoreLinger().toMillis();
        this.vertx = vertx;
    }

    public Uni<LookupResponse> lookup(LookupRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).lookup(request)
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("cache lookup failed, treated as a miss: %s", e.getMessage());
                    return LookupResponse.getDefaultInstance();
                });
    }

    /** Fire and forget: the caller does not wait for the store, which joins the next batch. */
    public void store(StoreRequest request) {
        List<StoreRequest> full = null;
        synchronized (this) {
            pending.add(request);
            pendingBytes += request.getSerializedSize();
            if (lingerMillis <= 0 || pending.size() >= MAX_BATCH || pendingBytes >= MAX_BATCH_BYTES) {
                full = takePending();
            } else if (!flushScheduled) {
                flushScheduled = true;
                vertx.setTimer(lingerMillis, id -> flush());
            }
        }
        if (full != null) {
            send(full);
        }
    }

    /** Sends what lingers: when the linger ends, and on shutdown (a store that does not make it is only a later miss). */
    @PreDestroy
    void flush() {
        List<StoreRequest> batch;
        synchronized (this) {
            flushScheduled = false;
            batch = takePending();
        }
        send(batch);
    }

    private List<StoreRequest> takePending() {
        List<StoreRequest> batch = pending;
        pending = new ArrayList<>();
        pendingBytes = 0;
        return batch;
    }

    private void send(List<StoreRequest> batch) {
        if (batch.isEmpty()) {
            return;
        }
        stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .storeBatch(StoreBatchRequest.newBuilder().addAllStores(batch).build())
                .subscribe().with(CacheClient::logFailedStores, e -> Log.warnf(
                        "cache store of %d answers failed (they stay uncached): %s", batch.size(), e.getMessage()));
    }

    private static void logFailedStores(StoreBatchResponse response) {
        int failed = 0;
        String first = null;
        for (StoreOutcome outcome : response.getOutcomesList()) {
            if (outcome.getErrorCode() != 0) {
                failed++;
                first = first == null ? outcome.getErrorMessage() : first;
            }
        }
        if (failed > 0) {
            Log.warnf("cache store failed for %d of %d answers (they stay uncached), e.g.: %s", failed,
                    response.getOutcomesCount(), first);
        }
    }
}
