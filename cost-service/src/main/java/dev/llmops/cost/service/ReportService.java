package dev.llmops.cost.service;

import dev.llmops.cost.repository.ReportRepository;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import llmops.cost.v1.GetReportRequest;
import llmops.cost.v1.GetReportResponse;
import llmops.cost.v1.RecordFeedbackRequest;
import llmops.cost.v1.ReportDimension;

/** KPI reports over the ledger and user feedback (thumbs up/down per request id). */
@ApplicationScoped
public class ReportService {
    private static final OffsetDateTime OPEN_END = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);
    static final int MAX_COMMENT = 4000;

    private final ReportRepository reports;
    private final String baselineModel;

    public ReportService(ReportRepository reports, LedgerService ledger) {
        this.reports = reports;
        this.baselineModel = ledger.baselineModel();
    }

    @WithSpan("cost.report")
    public Uni<GetReportResponse> report(GetReportRequest q) {
        return Uni.createFrom().deferred(() -> {
            if (!ReportRepository.supports(q.getGroupBy())) {
                throw RequestValidation.invalid("group_by must be one of tenant, team, key, model, route, day");
            }
            if (q.getGroupBy() != ReportDimension.REPORT_DIMENSION_TENANT || !q.getTenantId().isEmpty()) {
                RequestValidation.requireId("tenant_id", q.getTenantId());
            }
            RequestValidation.requireNonNegative("start_unix_ms", q.getStartUnixMs());
            RequestValidation.requireNonNegative("end_unix_ms", q.getEndUnixMs());
            if (q.getStartUnixMs() > 0 && q.getEndUnixMs() > 0 && q.getEndUnixMs() <= q.getStartUnixMs()) {
                throw RequestValidation.invalid("end_unix_ms must be after start_unix_ms (the range is [start, end))");
            }
            OffsetDateTime start = OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.getStartUnixMs()), ZoneOffset.UTC);
            OffsetDateTime end = q.getEndUnixMs() > 0
                    ? OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.getEndUnixMs()), ZoneOffset.UTC) : OPEN_END;
            return reports.report(q.getTenantId(), q.getGroupBy(), start, end)
                    .map(rows -> GetReportResponse.newBuilder().addAllRows(rows).setBaselineModel(baselineModel)
                            .build());
        }).onFailure(e -> !(e instanceof StatusRuntimeException || e instanceof StatusException))
                .transform(LedgerService::unavailable);
    }

    @WithSpan("cost.feedback")
    public Uni<Void> feedback(RecordFeedbackRequest r) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", r.getRequestId());
            RequestValidation.requireId("tenant_id", r.getTenantId());
            if (r.getComment().length() > MAX_COMMENT) {
                throw RequestValidation.invalid("comment is longer than " + MAX_COMMENT + " characters");
            }
            return reports.feedback(r.getRequestId(), r.getTenantId(), r.getThumbsUp(), r.getComment());
        }).onFailure(e -> !(e instanceof StatusRuntimeException || e instanceof StatusException))
                .transform(LedgerService::unavailable);
    }
}
