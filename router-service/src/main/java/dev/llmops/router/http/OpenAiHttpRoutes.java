package dev.llmops.router.http;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.limits.RetryInfos;
import dev.llmops.router.service.FinishReasons;
import dev.llmops.router.service.RoutingService;
import io.grpc.Status;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.OptionalLong;
import llmops.router.v1.ChatResponse;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The OpenAI-compatible HTTP API: {@code POST /v1/chat/completions} (JSON or SSE) and {@code GET /v1/models},
 * with OpenAI's error JSON. Runs on the event loop; the answer comes from the same routing service as gRPC.
 */
@ApplicationScoped
public class OpenAiHttpRoutes {
    /** The HTTP caller's deadline for the whole request, in milliseconds (OpenAI's API has none). */
    static final String TIMEOUT_HEADER = "x-llmops-timeout-ms";
    private final RoutingService routing;
    private final long bodyLimit;

    public OpenAiHttpRoutes(RoutingService routing,
                            @ConfigProperty(name = "llmops.router.http.max-body-bytes", defaultValue = "16777216") long bodyLimit) {
        this.routing = routing;
        this.bodyLimit = bodyLimit;
    }

    void register(@Observes Router router) {
        router.post("/v1/chat/completions").handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
                .handler(this::chatCompletions);
        router.get("/v1/models").handler(this::models);
    }

    private void models(RoutingContext ctx) {
        routing.authenticate(ctx.request().getHeader("authorization")).subscribe().with(principal -> {
            JsonArray data = new JsonArray();
            routing.models(principal).forEach(m -> data.add(new JsonObject().put("id", m).put("object", "model")
                    .put("created", 0).put("owned_by", "llmops")));
            ctx.response().putHeader("content-type", "application/json")
                    .end(new JsonObject().put("object", "list").put("data", data).encode());
        }, e -> error(ctx.response(), e));
    }

    private void chatCompletions(RoutingContext ctx) {
        routing.authenticate(ctx.request().getHeader("authorization"))
                .subscribe().with(principal -> chatCompletions(ctx, principal), e -> error(ctx.response(), e));
    }

    private void chatCompletions(RoutingContext ctx, ApiKeys.Principal principal) {
        OpenAiJson.Parsed parsed;
        ChatExchange exchange;
        try {
            parsed = OpenAiJson.parse(body(ctx));
            exchange = routing.open(principal, parsed.request(), parsed.stream(), timeoutMillis(ctx));
        } catch (RuntimeException e) {
            error(ctx.response(), e);
            return;
        }
        if (parsed.stream()) {
            stream(ctx.response(), exchange, parsed.includeUsage());
        } else {
            routing.chat(exchange).subscribe().with(r -> {
                HttpServerResponse response = ctx.response();
                headers(response, r).putHeader("content-type", "application/json")
                        .end(OpenAiJson.completion(r, System.currentTimeMillis() / 1000).encode());
            }, e -> error(ctx.response(), e));
        }
    }

    /** The caller's deadline: {@code x-llmops-timeout-ms} (milliseconds from now), or -1 when absent. */
    static long timeoutMillis(RoutingContext ctx) {
        String value = ctx.request().getHeader(TIMEOUT_HEADER);
        if (value == null) {
            return -1;
        }
        try {
            long ms = Long.parseLong(value.strip());
            if (ms > 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw OpenAiJson.invalid("header '" + TIMEOUT_HEADER + "' must be a positive number of milliseconds, got '"
                + value + "'");
    }

    private static JsonObject body(RoutingContext ctx) {
        if (ctx.body() == null || ctx.body().length() == 0) {
            throw OpenAiJson.invalid("the request body must be a JSON object");
        }
        try {
            return ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw OpenAiJson.invalid("the request body is not valid JSON: " + e.getMessage());
        }
    }

    /**
     * Server-sent events in OpenAI's chunk format. The status line waits for the first event, so a request that
     * fails before any content (budget, blocked key, upstream down) still gets a proper HTTP error.
     */
    private void stream(HttpServerResponse response, ChatExchange exchange, boolean includeUsage) {
        long created = System.currentTimeMillis() / 1000;
        String model = exchange.route().upstreamModel();
        String id = exchange.requestId();
        routing.chatStream(exchange).subscribe().with(event -> {
            if (response.closed()) {
                return;
            }
            if (!response.headWritten()) {
                response.setChunked(true).putHeader("content-type", "text/event-stream")
                        .putHeader("cache-control", "no-cache").putHeader("x-llmops-request-id", id);
                sse(response, OpenAiJson.chunk(id, created, model, new JsonObject().put("role", "assistant")
                        .put("content", ""), null));
            }
            if (event.hasFinal()) {
                ChatResponse r = event.getFinal();
                if (r.getToolCallsCount() > 0) {
                    // each call whole in one delta (id, name and all its arguments): valid for OpenAI's clients
                    sse(response, OpenAiJson.chunk(id, created, model, new JsonObject()
                            .put("tool_calls", OpenAiJson.toolCalls(r.getToolCallsList(), true)), null));
                }
                sse(response, OpenAiJson.chunk(id, created, r.getModel().isEmpty() ? model : r.getModel(),
                        new JsonObject(), FinishReasons.toOpenAi(r.getFinishReason()))
                        .put("llmops", OpenAiJson.extension(r)));
                if (includeUsage) {
                    sse(response, OpenAiJson.chunk(id, created, r.getModel(), new JsonObject(), null)
                            .put("choices", new JsonArray()).put("usage", OpenAiJson.usage(r.getUsage())));
                }
            } else {
                sse(response, OpenAiJson.chunk(id, created, model, new JsonObject().put("content", event.getDelta()), null));
            }
        }, e -> {
            if (!response.headWritten()) {
                error(response, e);
            } else if (!response.closed()) {
                // an explicit error event, never a clean end: the client must not take a cut answer as whole
                response.end("data: " + OpenAiErrors.body(e).encode() + "\n\n");
            }
        }, () -> {
            if (!response.closed()) {
                response.end("data: [DONE]\n\n");
            }
        });
    }

    private static void sse(HttpServerResponse response, JsonObject data) {
        response.write("data: " + data.encode() + "\n\n");
    }

    private static HttpServerResponse headers(HttpServerResponse response, ChatResponse r) {
        return response.putHeader("x-llmops-request-id", r.getRequestId())
                .putHeader("x-llmops-cost-usd", OpenAiJson.usd(r.getCostNanosUsd()))
                .putHeader("x-llmops-cache", r.getCacheHit() ? "hit" : "miss");
    }

    private static void error(HttpServerResponse response, Throwable e) {
        if (response.closed() || response.ended()) {
            return;
        }
        Status status = Status.fromThrowable(e);
        // the real wait when the error carries RetryInfo (rate limits do, and a route whose every upstream failed
        // when one of them said when to come back); 1 s for other RESOURCE_EXHAUSTED errors (budgets)
        OptionalLong wait = RetryInfos.retryAfterSeconds(e);
        if (wait.isPresent()) {
            response.putHeader("retry-after", Long.toString(wait.getAsLong()));
        } else if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            response.putHeader("retry-after", "1");
        }
        response.setStatusCode(OpenAiErrors.httpStatus(status.getCode())).putHeader("content-type", "application/json")
                .end(OpenAiErrors.body(e).encode());
    }
}
