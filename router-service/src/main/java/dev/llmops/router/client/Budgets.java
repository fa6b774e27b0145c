package dev.llmops.router.client;

import io.smallrye.mutiny.Uni;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;

/** The budget calls of the cost-service that the request path makes ({@link CostClient} over gRPC). */
public interface Budgets {
    Uni<ReserveResponse> reserve(ReserveRequest request);

    Uni<SettleResponse> settle(SettleRequest request);

    Uni<ReleaseResponse> release(ReleaseRequest request);
}
