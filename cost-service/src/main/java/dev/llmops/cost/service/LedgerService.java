package dev.llmops.cost.service;

import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
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
import llmops.events.v1.UsageEvent;

/** Writes usage events to the ledger exactly once per request id, and reports totals from it. */
@ApplicationScoped
public class LedgerService {
    /** What happened to one usage event. */
    public enum Recorded { INSERTED, DUPLICATE }

    private final LedgerRepository ledger;

    public LedgerService(LedgerRepository ledger) {
        this.ledger = ledger;
    }

    /** Validates, then inserts in its own transaction; the Uni completes only after the commit. */
    @WithSpan("cost.ledger.record")
    public Uni<Recorded> record(UsageEvent event) {
        return Uni.createFrom().deferred(() -> {
            validate(event);
            Instant occurred = event.getOccurredUnixMs() > 0
                    ? Instant.ofEpochMilli(event.getOccurredUnixMs()) : Instant.now();
            return Panache.withTransaction(() -> ledger.insertIfAbsent(event, occurred))
                    .map(n -> n == 1 ? Recorded.INSERTED : Recorded.DUPLICATE);
        });
    }

    /** An event that fails this can never succeed: it goes to the dead-letter queue. */
    public static void validate(UsageEvent event) {
        RequestValidation.requireId("request_id", event.getRequestId());
        RequestValidation.requireCaller(event.hasCaller(), event.getCaller());
        RequestValidation.requireUsage(event.getUsage());
        RequestValidation.requireNonNegative("cost_nanos_usd", event.getCostNanosUsd());
        RequestValidation.requireNonNegative("latency_ms", event.getLatencyMs());
        RequestValidation.requireNonNegative("occurred_unix_ms", event.getOccurredUnixMs());
        if (event.getRequestedModel().isEmpty() && event.getServedModel().isEmpty()) {
            throw RequestValidation.invalid("requested_model or served_model is required");
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
                .transform(e -> {
                    Log.warnf("usage query failed: %s", e.toString());
                    return Status.UNAVAILABLE.withDescription("usage ledger (PostgreSQL) unavailable; retry later")
                            .withCause(e).asRuntimeException();
                });
    }
}
