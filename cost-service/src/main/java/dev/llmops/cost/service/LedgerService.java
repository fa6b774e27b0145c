package dev.llmops.cost.service;

import dev.llmops.cost.LedgerRow;
import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.repository.LedgerRepository;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import llmops.common.v1.TokenUsage;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;

/** Writes usage events to the ledger exactly once per request id (in batches), and reports totals from it. */
@ApplicationScoped
public class LedgerService {
    private final LedgerRepository ledger;
    private final PriceCatalog prices;
    private final String baselineModel;

    public LedgerService(LedgerRepository ledger, PriceCatalog prices, CostConfig config) {
        this.ledger = ledger;
        this.prices = prices;
        this.baselineModel = config.baselineModel();
    }

    public String baselineModel() {
        return baselineModel;
    }

    /** Validates and enriches one event (prices in force when it happened); INVALID_ARGUMENT when invalid. */
    public LedgerRow prepare(UsageEvent event) {
        validate(event);
        return enrich(event);
    }

    /**
     * Writes prepared rows with one multi-row statement; completes after the commit.
     *
     * @return per row: true when new, false when its request id was already in the ledger
     */
    @WithSpan("cost.ledger.write")
    public Uni<boolean[]> write(List<LedgerRow> rows) {
        return ledger.insertBatch(rows);
    }

    /**
     * Re-prices the usage at the price in force when it happened: the list cost (NULL and flagged unpriced when
     * the served model has no price), the premium baseline for routing savings, and the cache savings.
     */
    LedgerRow enrich(UsageEvent event) {
        Instant occurred = event.getOccurredUnixMs() > 0
                ? Instant.ofEpochMilli(event.getOccurredUnixMs()) : Instant.now();
        String tenant = event.getCaller().getTenantId();
        Long list = null;
        boolean unpriced = false;
        long baseline = 0;
        if (!event.getServedModel().isEmpty()) {
            PriceVersion p = prices.find(tenant, event.getServedModel(), occurred);
            if (p == null) {
                unpriced = true;
                Log.warnf("UNPRICED: request %s of tenant %s was served by %s, which has no price at %s; flagged in"
                        + " the ledger (unpriced = true)", event.getRequestId(), tenant, event.getServedModel(),
                        occurred);
            } else {
                list = Pricing.costNanos(p, event.getUsage());
            }
            PriceVersion premium = prices.find(tenant, baselineModel, occurred);
            baseline = premium == null ? 0 : Pricing.costNanos(premium, event.getUsage());
        }
        long savings = 0;
        if (event.getOutcome() == Outcome.OUTCOME_CACHE_HIT && event.hasAvoidedUsage()) {
            String avoidedModel = event.getAvoidedModel().isEmpty() ? event.getRequestedModel() : event.getAvoidedModel();
            PriceVersion p = prices.find(tenant, avoidedModel, occurred);
            savings = p == null ? 0 : Pricing.costNanos(p, event.getAvoidedUsage());
        }
        return new LedgerRow(event, occurred, BudgetService.team(event.getCaller()), list, unpriced, baseline, savings);
    }

    /** An event that fails this can never succeed: it goes to the dead-letter queue. */
    public static void validate(UsageEvent event) {
        RequestValidation.requireId("request_id", event.getRequestId());
        RequestValidation.requireCaller(event.hasCaller(), event.getCaller());
        RequestValidation.requireUsage(event.getUsage());
        if (event.hasAvoidedUsage()) {
            TokenUsage a = event.getAvoidedUsage();
            RequestValidation.requireUsage(a);
        }
        RequestValidation.requireNonNegative("cost_nanos_usd", event.getCostNanosUsd());
        RequestValidation.requireNonNegative("latency_ms", event.getLatencyMs());
        RequestValidation.requireNonNegative("occurred_unix_ms", event.getOccurredUnixMs());
        if (event.getRequestedModel().isEmpty() && event.getServedModel().isEmpty()) {
            throw RequestValidation.invalid("requested_model or served_model is required");
        }
        if (event.getSettleBudget() && event.getServedModel().isEmpty()) {
            throw RequestValidation.invalid("settle_budget needs served_model (the model whose usage is settled)");
        }
    }

    @WithSpan("cost.usage")
    public Uni<UsageTotals> usage(UsageQuery query) {
        return Uni.createFrom().deferred(() -> {
            if (query.tenantId() == null || query.tenantId().isEmpty()) {
                throw RequestValidation.invalid("tenant_id is required");
            }
            RequestValidation.requireNonNegative("start_unix_ms", query.startUnixMs());
            RequestValidation.requireNonNegative("end_unix_ms", query.endUnixMs());
            if (query.startUnixMs() > 0 && query.endUnixMs() > 0 && query.endUnixMs() <= query.startUnixMs()) {
                throw RequestValidation.invalid("end_unix_ms must be after start_unix_ms (the range is [start, end))");
            }
            return Panache.withSession(() -> ledger.totals(query));
        }).onFailure(e -> !(e instanceof StatusRuntimeException || e instanceof StatusException))
                .transform(LedgerService::unavailable);
    }

    static Throwable unavailable(Throwable e) {
        Log.warnf("ledger query failed: %s", e.toString());
        return Status.UNAVAILABLE.withDescription("usage ledger (PostgreSQL) unavailable; retry later")
                .withCause(e).asRuntimeException();
    }
}
