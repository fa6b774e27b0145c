package dev.llmops.router.client;

import dev.llmops.router.config.RouterConfig;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import llmops.cost.v1.MutinyCostServiceGrpc.MutinyCostServiceStub;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;

/**
 * The cost-service. Reserve fails closed (no budget check, no call). Settle and Release are idempotent per request
 * id, so they are retried: once a provider has answered, its cost must reach the budget.
 */
@ApplicationScoped
public class CostClient implements Budgets {
    private final MutinyCostServiceStub stub;
    private final long deadlineMillis;

    public CostClient(@GrpcClient("cost") MutinyCostServiceStub stub, RouterConfig config) {
        this.stub = stub;
        this.deadlineMillis = config.deadlines().cost().toMillis();
    }

    @Override
    public Uni<ReserveResponse> reserve(ReserveRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).reserve(request)
                .onFailure().transform(e -> Downstream.map("cost-service", e));
    }

    @Override
    public Uni<SettleResponse> settle(SettleRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).settle(request)
                .onFailure(e -> !Downstream.isStatus(e, Status.Code.INVALID_ARGUMENT))
                .retry().withBackOff(Duration.ofMillis(50), Duration.ofSeconds(1)).atMost(3)
                .onFailure().transform(e -> Downstream.map("cost-service", e));
    }

    @Override
    public Uni<ReleaseResponse> release(ReleaseRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).release(request)
                .onFailure().retry().withBackOff(Duration.ofMillis(50), Duration.ofSeconds(1)).atMost(3)
                .onFailure().transform(e -> Downstream.map("cost-service", e));
    }
}
