package dev.llmops.router.client;

import dev.llmops.router.config.RouterConfig;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.MutinyCacheServiceGrpc.MutinyCacheServiceStub;
import llmops.cache.v1.StoreRequest;

/** The cache-service. The cache is an optimisation: a failed lookup is a miss, a failed store is only logged. */
@ApplicationScoped
public class CacheClient {
    private final MutinyCacheServiceStub stub;
    private final long deadlineMillis;

    public CacheClient(@GrpcClient("cache") MutinyCacheServiceStub stub, RouterConfig config) {
        this.stub = stub;
        this.deadlineMillis = config.deadlines().cache().toMillis();
    }

    public Uni<LookupResponse> lookup(LookupRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).lookup(request)
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("cache lookup failed, treated as a miss: %s", e.getMessage());
                    return LookupResponse.getDefaultInstance();
                });
    }

    /** Fire and forget: the caller does not wait for the store. */
    public void store(StoreRequest request) {
        stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).store(request).subscribe().with(
                ok -> { },
                e -> Log.warnf("cache store failed (the answer stays uncached): %s", e.getMessage()));
    }
}
