package dev.llmops.cost.grpc;

import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import dev.llmops.cost.service.BudgetService;
import dev.llmops.cost.service.LedgerService;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import llmops.cost.v1.GetUsageRequest;
import llmops.cost.v1.GetUsageResponse;
import llmops.cost.v1.MutinyCostServiceGrpc;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;
import llmops.cost.v1.UsageTotal;

/** Thin adapter from {@code llmops.cost.v1.CostService} to the budget and ledger services. */
@GrpcService
public class CostGrpcService extends MutinyCostServiceGrpc.CostServiceImplBase {
    private final BudgetService budgets;
    private final LedgerService ledger;

    public CostGrpcService(BudgetService budgets, LedgerService ledger) {
        this.budgets = budgets;
        this.ledger = ledger;
    }

    @Override
    public Uni<ReserveResponse> reserve(ReserveRequest request) {
        return budgets.reserve(request);
    }

    @Override
    public Uni<SettleResponse> settle(SettleRequest request) {
        return budgets.settle(request);
    }

    @Override
    public Uni<ReleaseResponse> release(ReleaseRequest request) {
        return budgets.release(request);
    }

    @Override
    public Uni<GetUsageResponse> getUsage(GetUsageRequest request) {
        return ledger.usage(new UsageQuery(request.getTenantId(), request.getKeyId(), request.getModel(),
                request.getStartUnixMs(), request.getEndUnixMs())).map(CostGrpcService::toResponse);
    }

    private static GetUsageResponse toResponse(UsageTotals totals) {
        GetUsageResponse.Builder b = GetUsageResponse.newBuilder()
                .setTotalCostNanosUsd(totals.totalCostNanos())
                .setTotalRequests(totals.totalRequests());
        for (UsageTotals.Row r : totals.rows()) {
            b.addTotals(UsageTotal.newBuilder().setTenantId(totals.tenantId()).setKeyId(r.keyId())
                    .setModel(r.model()).setRequests(r.requests()).setPromptTokens(r.promptTokens())
                    .setCompletionTokens(r.completionTokens()).setCostNanosUsd(r.costNanos())
                    .setCacheHits(r.cacheHits()));
        }
        return b.build();
    }
}
