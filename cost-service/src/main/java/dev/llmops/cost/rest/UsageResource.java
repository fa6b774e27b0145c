package dev.llmops.cost.rest;

import dev.llmops.cost.Money;
import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import dev.llmops.cost.service.LedgerService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /v1/usage}: the same totals as the GetUsage RPC, as JSON built without reflection. */
@Path("/v1/usage")
public class UsageResource {
    private final LedgerService ledger;

    public UsageResource(LedgerService ledger) {
        this.ledger = ledger;
    }

    @GET
    public Uni<Response> usage(@QueryParam("tenant_id") @DefaultValue("") String tenantId,
            @QueryParam("key_id") @DefaultValue("") String keyId,
            @QueryParam("model") @DefaultValue("") String model,
            @QueryParam("start_unix_ms") @DefaultValue("0") String start,
            @QueryParam("end_unix_ms") @DefaultValue("0") String end) {
        long startMs;
        long endMs;
        try {
            startMs = Long.parseLong(start);
            endMs = Long.parseLong(end);
        } catch (NumberFormatException e) {
            return Uni.createFrom().item(error(400, "start_unix_ms and end_unix_ms must be integers (Unix ms)"));
        }
        return ledger.usage(new UsageQuery(tenantId, keyId, model, startMs, endMs))
                .map(t -> Response.ok(toJson(t).encode(), MediaType.APPLICATION_JSON).build())
                .onFailure(StatusRuntimeException.class).recoverWithItem(UsageResource::error);
    }

    static JsonObject toJson(UsageTotals t) {
        JsonArray rows = new JsonArray();
        for (UsageTotals.Row r : t.rows()) {
            rows.add(new JsonObject().put("key_id", r.keyId()).put("model", r.model())
                    .put("requests", r.requests()).put("prompt_tokens", r.promptTokens())
                    .put("completion_tokens", r.completionTokens()).put("cost_nanos_usd", r.costNanos())
                    .put("cost_usd", Money.usd(r.costNanos())).put("cache_hits", r.cacheHits()));
        }
        return new JsonObject().put("tenant_id", t.tenantId()).put("totals", rows)
                .put("total_cost_nanos_usd", t.totalCostNanos()).put("total_cost_usd", Money.usd(t.totalCostNanos()))
                .put("total_requests", t.totalRequests());
    }

    /** A status error as HTTP: 400 for bad input, 503 when a dependency is down. */
    static Response error(Throwable e) {
        Status s = ((StatusRuntimeException) e).getStatus();
        return error(s.getCode() == Status.Code.INVALID_ARGUMENT ? 400 : 503, s.getDescription());
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new JsonObject().put("error", new JsonObject().put("message", message)).encode()).build();
    }
}
