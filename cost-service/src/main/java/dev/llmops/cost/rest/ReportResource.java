package dev.llmops.cost.rest;

import dev.llmops.cost.Money;
import dev.llmops.cost.service.ReportService;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import llmops.cost.v1.GetReportRequest;
import llmops.cost.v1.GetReportResponse;
import llmops.cost.v1.RecordFeedbackRequest;
import llmops.cost.v1.ReportDimension;
import llmops.cost.v1.ReportRow;

/**
 * {@code GET /v1/reports/{tenant|team|key|model|route|day}} as JSON or CSV ({@code format=csv}), and
 * {@code POST /v1/feedback}. JSON is built with Vert.x JsonObject (no reflection).
 */
@Path("/v1")
public class ReportResource {
    static final String CSV_HEADER = "group,requests,prompt_tokens,completion_tokens,cost_usd,cost_per_query_usd,"
            + "latency_p50_ms,latency_p95_ms,latency_p99_ms,cache_hits,cache_savings_usd,routing_savings_usd,"
            + "blocked,block_rate,feedback_up,feedback_down,satisfaction,unpriced,estimated";

    private final ReportService reports;

    public ReportResource(ReportService reports) {
        this.reports = reports;
    }

    @GET
    @Path("/reports/{dimension}")
    public Uni<Response> report(@PathParam("dimension") String dimension,
            @QueryParam("tenant_id") @DefaultValue("") String tenantId,
            @QueryParam("start_unix_ms") @DefaultValue("0") String start,
            @QueryParam("end_unix_ms") @DefaultValue("0") String end,
            @QueryParam("format") @DefaultValue("json") String format) {
        ReportDimension d;
        long startMs;
        long endMs;
        try {
            d = ReportDimension.valueOf("REPORT_DIMENSION_" + dimension.toUpperCase(Locale.ROOT));
            startMs = Long.parseLong(start);
            endMs = Long.parseLong(end);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(UsageResource.error(400, "use /v1/reports/{tenant|team|key|model|route|day}"
                    + " with integer start_unix_ms / end_unix_ms"));
        }
        boolean csv = format.equalsIgnoreCase("csv");
        if (!csv && !format.equalsIgnoreCase("json")) {
            return Uni.createFrom().item(UsageResource.error(400, "format must be json or csv"));
        }
        return reports.report(GetReportRequest.newBuilder().setTenantId(tenantId).setGroupBy(d)
                        .setStartUnixMs(startMs).setEndUnixMs(endMs).build())
                .map(r -> csv ? Response.ok(toCsv(r), "text/csv").build()
                        : Response.ok(toJson(r, dimension).encode(), MediaType.APPLICATION_JSON).build())
                .onFailure(StatusRuntimeException.class).recoverWithItem(UsageResource::error);
    }

    @POST
    @Path("/feedback")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> feedback(String body) {
        JsonObject j;
        try {
            j = new JsonObject(body);
            if (!(j.getValue("thumbs_up") instanceof Boolean)) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().item(UsageResource.error(400,
                    "body must be JSON {\"request_id\": .., \"tenant_id\": .., \"thumbs_up\": true|false,"
                            + " \"comment\": ..}"));
        }
        return reports.feedback(RecordFeedbackRequest.newBuilder().setRequestId(j.getString("request_id", ""))
                        .setTenantId(j.getString("tenant_id", "")).setThumbsUp(j.getBoolean("thumbs_up"))
                        .setComment(j.getString("comment", "")).build())
                .replaceWith(Response.noContent().build())
                .onFailure(StatusRuntimeException.class).recoverWithItem(UsageResource::error);
    }

    static JsonObject toJson(GetReportResponse r, String dimension) {
        JsonArray rows = new JsonArray();
        for (ReportRow x : r.getRowsList()) {
            rows.add(new JsonObject().put(dimension.toLowerCase(Locale.ROOT), x.getGroup())
                    .put("requests", x.getRequests()).put("prompt_tokens", x.getPromptTokens())
                    .put("completion_tokens", x.getCompletionTokens())
                    .put("cost_nanos_usd", x.getCostNanosUsd()).put("cost_usd", Money.usd(x.getCostNanosUsd()))
                    .put("cost_per_query_usd", Money.usd(x.getCostPerQueryNanosUsd()))
                    .put("latency_p50_ms", x.getLatencyP50Ms()).put("latency_p95_ms", x.getLatencyP95Ms())
                    .put("latency_p99_ms", x.getLatencyP99Ms()).put("cache_hits", x.getCacheHits())
                    .put("cache_savings_usd", Money.usd(x.getCacheSavingsNanosUsd()))
                    .put("routing_savings_usd", Money.usd(x.getRoutingSavingsNanosUsd()))
                    .put("blocked", x.getBlocked()).put("block_rate", ratio(x.getBlockRatePpm()))
                    .put("feedback_up", x.getFeedbackUp()).put("feedback_down", x.getFeedbackDown())
                    .put("satisfaction", x.getSatisfactionPpm() < 0 ? null : ratio(x.getSatisfactionPpm()))
                    .put("unpriced", x.getUnpriced()).put("estimated", x.getEstimated()));
        }
        return new JsonObject().put("group_by", dimension.toLowerCase(Locale.ROOT))
                .put("baseline_model", r.getBaselineModel()).put("rows", rows);
    }

    static String toCsv(GetReportResponse r) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (ReportRow x : r.getRowsList()) {
            b.append(csvField(x.getGroup())).append(',').append(x.getRequests()).append(',')
                    .append(x.getPromptTokens()).append(',').append(x.getCompletionTokens()).append(',')
                    .append(Money.usd(x.getCostNanosUsd())).append(',').append(Money.usd(x.getCostPerQueryNanosUsd()))
                    .append(',').append(x.getLatencyP50Ms()).append(',').append(x.getLatencyP95Ms()).append(',')
                    .append(x.getLatencyP99Ms()).append(',').append(x.getCacheHits()).append(',')
                    .append(Money.usd(x.getCacheSavingsNanosUsd())).append(',')
                    .append(Money.usd(x.getRoutingSavingsNanosUsd())).append(',').append(x.getBlocked()).append(',')
                    .append(ratio(x.getBlockRatePpm())).append(',').append(x.getFeedbackUp()).append(',')
                    .append(x.getFeedbackDown()).append(',')
                    .append(x.getSatisfactionPpm() < 0 ? "" : ratio(x.getSatisfactionPpm())).append(',')
                    .append(x.getUnpriced()).append(',').append(x.getEstimated()).append('\n');
        }
        return b.toString();
    }

    /** Parts per million as a decimal fraction string: 250000 -> "0.250000". */
    static String ratio(long ppm) {
        return java.math.BigDecimal.valueOf(ppm, 6).toPlainString();
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula. */
    static String csvField(String v) {
        String s = !v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
