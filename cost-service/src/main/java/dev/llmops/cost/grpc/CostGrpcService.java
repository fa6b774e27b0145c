package dev.llmops.cost.grpc;

import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import dev.llmops.cost.messaging.DeadLetterReplayer;
import dev.llmops.cost.service.BudgetAdminService;
import dev.llmops.cost.service.BudgetReconciler;
import dev.llmops.cost.service.BudgetService;
import dev.llmops.cost.service.LedgerService;
import dev.llmops.cost.service.PriceCatalog;
import dev.llmops.cost.service.PriceCodec;
import dev.llmops.cost.service.ReportService;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import llmops.cost.v1.DeleteBudgetRequest;
import llmops.cost.v1.DeleteBudgetResponse;
import llmops.cost.v1.GetBudgetRequest;
import llmops.cost.v1.GetBudgetResponse;
import llmops.cost.v1.GetReportRequest;
import llmops.cost.v1.GetReportResponse;
import llmops.cost.v1.GetUsageRequest;
import llmops.cost.v1.GetUsageResponse;
import llmops.cost.v1.ListBudgetsRequest;
import llmops.cost.v1.ListBudgetsResponse;
import llmops.cost.v1.ListPricesRequest;
import llmops.cost.v1.ListPricesResponse;
import llmops.cost.v1.MutinyCostServiceGrpc;
import llmops.cost.v1.RebuildBudgetsRequest;
import llmops.cost.v1.RebuildBudgetsResponse;
import llmops.cost.v1.RecordFeedbackRequest;
import llmops.cost.v1.RecordFeedbackResponse;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReplayDeadLettersRequest;
import llmops.cost.v1.ReplayDeadLettersResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SetBudgetRequest;
import llmops.cost.v1.SetBudgetResponse;
import llmops.cost.v1.SetPriceRequest;
import llmops.cost.v1.SetPriceResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;
import llmops.cost.v1.UsageTotal;

/** Thin adapter from {@code llmops.cost.v1.CostService} to the services. */
@GrpcService
public class CostGrpcService extends MutinyCostServiceGrpc.CostServiceImplBase {
    private final BudgetService budgets;
    private final LedgerService ledger;
    private final ReportService reports;
    private final PriceCatalog prices;
    private final DeadLetterReplayer replayer;
    private final BudgetReconciler reconciler;
    private final BudgetAdminService budgetAdmin;

    public CostGrpcService(BudgetService budgets, LedgerService ledger, ReportService reports, PriceCatalog prices,
            DeadLetterReplayer replayer, BudgetReconciler reconciler, BudgetAdminService budgetAdmin) {
        this.budgets = budgets;
        this.ledger = ledger;
        this.reports = reports;
        this.prices = prices;
        this.replayer = replayer;
        this.reconciler = reconciler;
        this.budgetAdmin = budgetAdmin;
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

    @Override
    public Uni<GetReportResponse> getReport(GetReportRequest request) {
        return reports.report(request);
    }

    @Override
    public Uni<RecordFeedbackResponse> recordFeedback(RecordFeedbackRequest request) {
        return reports.feedback(request).replaceWith(RecordFeedbackResponse.getDefaultInstance());
    }

    @Override
    public Uni<SetPriceResponse> setPrice(SetPriceRequest request) {
        if (!request.hasVersion()) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("version is required").asRuntimeException());
        }
        return prices.set(request.getVersion()).replaceWith(SetPriceResponse.getDefaultInstance())
                .onFailure(CostGrpcService::notStatus).transform(e -> unavailable("price store (PostgreSQL)", e));
    }

    @Override
    public Uni<ListPricesResponse> listPrices(ListPricesRequest request) {
        ListPricesResponse.Builder b = ListPricesResponse.newBuilder();
        prices.list(request.getModel()).forEach(v -> b.addVersions(PriceCodec.toProto(v)));
        return Uni.createFrom().item(b.build());
    }

    @Override
    public Uni<ReplayDeadLettersResponse> replayDeadLetters(ReplayDeadLettersRequest request) {
        if (request.getMaxMessages() < 0) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("max_messages must be >= 0 (0 = 1000)").asRuntimeException());
        }
        return replayer.replay(request.getMaxMessages())
                .map(n -> ReplayDeadLettersResponse.newBuilder().setReplayed(n).build())
                .onFailure(CostGrpcService::notStatus).transform(e -> unavailable("broker (RabbitMQ)", e));
    }

    @Override
    public Uni<RebuildBudgetsResponse> rebuildBudgets(RebuildBudgetsRequest request) {
        return reconciler.rebuild().map(n -> RebuildBudgetsResponse.newBuilder().setCounters(n).build())
                .onFailure(CostGrpcService::notStatus).transform(e -> unavailable("ledger or Redis", e));
    }

    @Override
    public Uni<SetBudgetResponse> setBudget(SetBudgetRequest request) {
        return budgetAdmin.set(request.getRule());
    }

    @Override
    public Uni<GetBudgetResponse> getBudget(GetBudgetRequest request) {
        return budgetAdmin.get(request);
    }

    @Override
    public Uni<ListBudgetsResponse> listBudgets(ListBudgetsRequest request) {
        return Uni.createFrom().item(() -> budgetAdmin.list(request.getTenantId()));
    }

    @Override
    public Uni<DeleteBudgetResponse> deleteBudget(DeleteBudgetRequest request) {
        return budgetAdmin.delete(request.getBudgetId());
    }

    private static boolean notStatus(Throwable e) {
        return !(e instanceof StatusRuntimeException || e instanceof StatusException);
    }

    private static Throwable unavailable(String what, Throwable e) {
        return Status.UNAVAILABLE.withDescription(what + " unavailable: " + e.getMessage() + "; retry later")
                .withCause(e).asRuntimeException();
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
