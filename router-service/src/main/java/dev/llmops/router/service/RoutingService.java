package dev.llmops.router.service;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.client.CacheClient;
import dev.llmops.router.client.ExactCacheReads;
import dev.llmops.router.client.CostClient;
import dev.llmops.router.client.GuardrailClient;
import dev.llmops.router.config.RouterConfig;
import dev.llmops.router.limits.LimitStep;
import dev.llmops.router.limits.RateLimiter;
import dev.llmops.router.messaging.UsageEventPublisher;
import dev.llmops.router.pipeline.BudgetStep;
import dev.llmops.router.pipeline.CacheStep;
import dev.llmops.router.pipeline.ChatPipeline;
import dev.llmops.router.pipeline.EarlyStart;
import dev.llmops.router.pipeline.InputGuardStep;
import dev.llmops.router.pipeline.OutputGuardStep;
import dev.llmops.router.pipeline.ParallelAfter;
import dev.llmops.router.pipeline.StreamRestorer;
import dev.llmops.router.pipeline.UsageEventStep;
import dev.llmops.router.compaction.PromptCompactor;
import dev.llmops.router.routing.RouteExecutor;
import dev.llmops.router.routing.RoutePlan;
import io.grpc.Status;
import dev.llmops.router.tiering.TieredRouting;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import llmops.common.v1.Caller;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ChatResponse;
import llmops.router.v1.ChatStreamResponse;

/**
 * The request path of DESIGN.md: authenticate, then the pipeline of steps (usage event, input guard, cache,
 * budget, output guard) around the provider call. Both public APIs (gRPC and OpenAI-compatible HTTP) end here.
 */
@ApplicationScoped
public class RoutingService {
    private final ApiKeys apiKeys;
    private final RouteTable routes;
    private final RouteExecutor executor;
    private final TieredRouting tiering;
    private final ChatPipeline pipeline;
    private final GuardrailClient guardrail;
    private final TimeBasedEpochGenerator requestIds = Generators.timeBasedEpochGenerator();

    public RoutingService(ApiKeys apiKeys, RouteTable routes, RouteExecutor executor, TieredRouting tiering,
                          RouterConfig config,
                          GuardrailClient guardrail, CacheClient cache, ExactCacheReads exactCacheReads, CostClient cost,
                          UsageEventPublisher usageEvents, RateLimiter limiter) {
        this.apiKeys = apiKeys;
        this.routes = routes;
        this.executor = executor;
        this.tiering = tiering;
        this.guardrail = guardrail;
        for (String named : tiering.routesNamed()) {
            if (!routes.contains(named)) { // fail at start, not on a request
                throw new IllegalStateException("a tiering policy (llmops.router.tiering.policies) names route '" + named
                        + "', which is not configured; routes: " + routes.names());
            }
        }
        java.util.Map<String, dev.llmops.router.pipeline.ChatStep> available = new java.util.LinkedHashMap<>();
        available.put("usage-event", new UsageEventStep(usageEvents));
        available.put("input-guard", new InputGuardStep(guardrail, config.restorePlaceholders()));
        available.put("cache", new CacheStep(cache, config.cacheExactReads() ? exactCacheReads : null,
                config.cacheTtlSeconds(), config.cacheSemanticPolicy()));
        List<String> enabled = config.steps().filter(list -> !list.equals(List.of("none"))).orElse(List.of());
        // the usage event carries the settle only when there is one per request
        available.put("budget", new BudgetStep(cost, config.defaultMaxTokens(),
                config.settleWithUsageEvent() && enabled.contains("usage-event")));
        available.put("output-guard", new OutputGuardStep(guardrail));
        for (String name : enabled) {
            if (!available.containsKey(name)) {
                throw new IllegalStateException("llmops.router.steps names unknown step '" + name + "'; known: "
                        + available.keySet());
            }
        }
        // the key's rate limits come first and always (not a configurable step): a limited request costs nothing else;
        // the others always in the order above, whatever the order of the list: each step relies on those before it
        List<dev.llmops.router.pipeline.ChatStep> steps = new java.util.ArrayList<>();
        steps.add(new LimitStep(limiter, config.defaultMaxTokens()));
        if (enabled.contains("budget") && enabled.contains("output-guard")) { // settle and output check at once
            available.put("budget", new ParallelAfter(available.get("budget"), available.remove("output-guard")));
        }
        available.entrySet().stream().filter(e -> enabled.contains(e.getKey())).forEach(e -> steps.add(e.getValue()));
        // the budget's Reserve runs alongside the first of the input check and the cache lookup, awaited at its place
        String firstCall = enabled.contains("input-guard") ? "input-guard" : enabled.contains("cache") ? "cache" : null;
        if (reservesEarly(config.reserveEarly(), config.guardrailInProcess(), config.cacheSemanticPolicy())
                && enabled.contains("budget") && firstCall != null) {
            EarlyStart budget = new EarlyStart(available.get("budget"));
            steps.set(steps.indexOf(available.get("budget")), budget.await());
            steps.add(steps.indexOf(available.get(firstCall)), budget.start());
        }
        this.pipeline = new ChatPipeline(steps);
    }

    /**
     * Whether the budget's Reserve starts with the input check and the cache lookup: as configured, or, unset, only
     * when one of them is a call to another service it can overlap (a remote input check, the semantic tier's Lookup).
     */
    static boolean reservesEarly(Optional<Boolean> configured, boolean guardrailInProcess, String semanticPolicy) {
        return configured.orElse(!guardrailInProcess || !semanticPolicy.equals("off"));
    }

    /** The principal of an {@code authorization} value, or UNAUTHENTICATED. */
    public Uni<ApiKeys.Principal> authenticate(String authorization) {
        return apiKeys.authenticate(authorization);
    }

    /** An exchange without a caller deadline (see below). */
    public ChatExchange open(ApiKeys.Principal principal, ChatRequest request, boolean stream) {
        return open(principal, request, stream, -1);
    }

    /**
     * Checks the request against the key and opens the exchange; fails with PERMISSION_DENIED or INVALID_ARGUMENT
     * before anything is spent.
     *
     * @param deadlineMillis the caller's deadline (gRPC deadline, HTTP {@code x-llmops-timeout-ms}) from now, or -1
     *                       for none; with the route's total-timeout it bounds every retry and fallback, and the
     *                       budget reservation lasts as long
     */
    public ChatExchange open(ApiKeys.Principal principal, ChatRequest request, boolean stream, long deadlineMillis) {
        ChatRequestValidator.validate(request);
        boolean tiered = tiering.handles(request.getModel());
        TieredRouting.Choice choice = tiered ? tiering.choose(principal.tenantId(), request.getMessagesList()) : null;
        RoutePlan plan = routes.plan(tiered ? choice.route() : request.getModel());
        // a key may use the tiering model if it allows that name; the tier's route is the operator's choice
        String asked = tiered ? tiering.model() : plan.name();
        if (!principal.allows(asked)) {
            throw Status.PERMISSION_DENIED.withDescription("API key '" + principal.keyId() + "' may not use model '"
                    + asked + "'; it may use: " + principal.allowedModels()).asRuntimeException();
        }
        // the key's own tags and team are set by an administrator, so they win over tags the request sends
        Caller.Builder caller = Caller.newBuilder().setTenantId(principal.tenantId()).setKeyId(principal.keyId())
                .setUserId(request.getUser()).putAllTags(request.getTagsMap()).putAllTags(principal.tags());
        if (!principal.team().isEmpty()) {
            caller.putTags("team", principal.team());
        }
        ChatExchange ex = new ChatExchange(requestIds.generate().toString(), caller.build(),
                RequestShaping.capMaxTokens(request, plan.maxTokensCap()), plan.primary(), stream);
        ex.plan(plan);
        ex.principal(principal);
        if (choice != null) {
            ex.tier(choice.tier().label());
        }
        if (deadlineMillis >= 0) {
            ex.deadlineAfter(deadlineMillis);
        }
        if (plan.totalTimeout() != null) {
            ex.deadlineAfter(plan.totalTimeout().toMillis());
        }
        if (plan.compaction()) {
            // before every step, so the scan, the cache key, the budget estimate and the provider see the shorter text
            ex.messages(PromptCompactor.compact(ex.messages()));
        }
        return ex;
    }

    @WithSpan("router.chat")
    public Uni<ChatResponse> chat(ChatExchange ex) {
        return pipeline.run(ex, e -> callUpstream(e, null)).map(result -> response(ex, result));
    }

    /** Content deltas as they come, then exactly one final message; a failure after the first delta is an error. */
    @WithSpan("router.chat-stream")
    public Multi<ChatStreamResponse> chatStream(ChatExchange ex) {
        return Multi.createFrom().emitter(emitter -> {
            ex.deltaSink(delta -> emitter.emit(ChatStreamResponse.newBuilder().setRequestId(ex.requestId())
                    .setDelta(delta).build()));
            pipeline.run(ex, this::streamUpstream).subscribe().with(result -> {
                if (!ex.deltasSent()) {
                    // a cached or fallback answer is replayed as a stream, word by word, like a fresh one
                    replay(result.content(), ex::emitDelta);
                }
                emitter.emit(ChatStreamResponse.newBuilder().setRequestId(ex.requestId())
                        .setFinal(response(ex, result)).build());
                emitter.complete();
            }, emitter::fail);
        });
    }

    /** The model names this key may ask for (with the tiering model when a policy exists). */
    public List<String> models(ApiKeys.Principal principal) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(routes.names());
        if (tiering.handles(tiering.model())) {
            names.add(tiering.model());
        }
        return names.stream().filter(principal::allows).toList();
    }

    /** The route's fallback chain; the exchange learns which target served (settle and usage use it). */
    private Uni<ChatResult> callUpstream(ChatExchange ex, java.util.function.Consumer<String> deltas) {
        ChatRequest r = ex.request();
        return executor.execute(ex.plan(), new RouteExecutor.ChatCall(ex.messages(), r.getParameters(), r.getUser(),
                r.getToolsList(), r.getToolChoice(), r.hasParallelToolCalls() ? r.getParallelToolCalls() : null),
                deltas, d -> ex.served(d.route()), ex.deadlineNanos(), ex.targetGate());
    }

    /** A stream: when the prompt was redacted, the caller's own values go back into the pieces as they pass. */
    private Uni<ChatResult> streamUpstream(ChatExchange ex) {
        if (!ex.placeholdersRestorable()) {
            return callUpstream(ex, ex::emitDelta);
        }
        StreamRestorer restorer = new StreamRestorer(text -> guardrail.restorePlaceholders(RestorePlaceholdersRequest
                        .newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller()).setText(text).build())
                .map(RestorePlaceholdersResponse::getText)
                .onFailure().recoverWithItem(text) // the piece keeps its placeholders: less useful, never a leak
                .subscribeAsCompletionStage(), ex::emitDelta);
        return callUpstream(ex, restorer)
                .call(restorer::finish)
                .onFailure().call(e -> restorer.finish().onFailure().recoverWithNull());
    }

    /** Sends {@code content} in word-sized pieces (each space starts a new piece) that concatenate back to it. */
    static void replay(String content, java.util.function.Consumer<String> deltas) {
        if (content.isEmpty()) {
            deltas.accept(content);
            return;
        }
        int start = 0;
        for (int i = 1; i <= content.length(); i++) {
            if (i == content.length() || content.charAt(i) == ' ') {
                deltas.accept(content.substring(start, i));
                start = i;
            }
        }
    }

    private static ChatResponse response(ChatExchange ex, ChatResult result) {
        return ChatResponse.newBuilder()
                .setRequestId(ex.requestId())
                .setContent(result.content())
                .setFinishReason(FinishReasons.toProto(result.finishReason()))
                .setUsage(result.usage())
                .setCostNanosUsd(ex.costNanos())
                .setModel(result.model())
                .setCacheHit(ex.cacheHit())
                .setCacheTier(ex.cacheTier())
                .setCacheSimilarity(ex.cacheSimilarity())
                .setGuardrail(GuardrailSummaries.of(ex))
                .addAllToolCalls(result.toolCalls())
                .build();
    }
}
