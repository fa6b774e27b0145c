package dev.llmops.cache.grpc;

import dev.llmops.cache.service.TieredCacheService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import llmops.cache.v1.InvalidateRequest;
import llmops.cache.v1.InvalidateResponse;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.LookupResponse;
import llmops.cache.v1.MutinyCacheServiceGrpc;
import llmops.cache.v1.StoreBatchRequest;
import llmops.cache.v1.StoreBatchResponse;
import llmops.cache.v1.StoreRequest;
import llmops.cache.v1.StoreResponse;

/** gRPC adapter of {@code llmops.cache.v1.CacheService}; the logic is in {@link TieredCacheService}. */
@GrpcService
public class CacheGrpcService extends MutinyCacheServiceGrpc.CacheServiceImplBase {

    private final TieredCacheService cache;

    public CacheGrpcService(TieredCacheService cache) {
        this.cache = cache;
    }

    @Override
    public Uni<LookupResponse> lookup(LookupRequest request) {
        return cache.lookup(request);
    }

    @Override
    public Uni<StoreResponse> store(StoreRequest request) {
        return cache.store(request);
    }

    @Override
    public Uni<StoreBatchResponse> storeBatch(StoreBatchRequest request) {
        return cache.storeBatch(request);
    }

    @Override
    public Uni<InvalidateResponse> invalidate(InvalidateRequest request) {
        return cache.invalidate(request);
    }
}
