package dev.llmops.router;

import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.limits.RateLimiter;
import dev.llmops.router.routing.RoutePlan;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.guardrail.v1.Action;
import llmops.router.v1.ChatRequest;

/**
 * One request on its way through the pipeline. Steps read and update it; it is confined to the request's
 * event-loop context, so it needs no locking.
 */
public final class ChatExchange {
    private final String requestId;
    private final Caller caller;
    private final ChatRequest request;
    private final Route route;
    private final boolean stream;
    private final long startNanos = System.nanoTime();
    private final TreeSet<String> findingTypes = new TreeSet<>();
    private List<ChatMessage> messages;
    private Consumer<String> deltaSink = delta -> { };
    private boolean deltasSent;
    private Action inputAction = Action.ACTION_ALLOW;
    private Action outputAction = Action.ACTION_ALLOW;
    private boolean cacheHit;
    private String cacheTier = "";
    private double cacheSimilarity;
    private ChatResult providerResult;
    private ChatResult result;
    private Throwable failure;
    private long costNanos;
    private RoutePlan plan;
    private Route served;
    private ApiKeys.Principal principal;
    private RateLimiter.Decision limitDecision;

    public ChatExchange(String requestId, Caller caller, ChatRequest request, Route route, boolean stream) {
        this.requestId = requestId;
        this.caller = caller;
        this.request = request;
        this.route = route;
        this.stream = stream;
        this.messages = request.getMessagesList();
    }

    public String requestId() {
        return requestId;
    }

    public Caller caller() {
        return caller;
    }

    public ChatRequest request() {
        return request;
    }

    public Route route() {
        return route;
    }

    /** The route's fallback chain; a chain of just {@link #route()} unless one was set. */
    public RoutePlan plan() {
        return plan != null ? plan : RoutePlan.single(route);
    }

    public void plan(RoutePlan routePlan) {
        this.plan = routePlan;
    }

    /** The target that answered (or was last tried): what usage is settled and reported under. */
    public Route served() {
        return served != null ? served : route;
    }

    public void served(Route target) {
        this.served = target;
    }

    public boolean stream() {
        return stream;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The messages as they go upstream: the caller's, or the guardrail's redacted rewrite. */
    public List<ChatMessage> messages() {
        return messages;
    }

    public void messages(List<ChatMessage> rewritten) {
        this.messages = rewritten;
    }

    public void deltaSink(Consumer<String> sink) {
        this.deltaSink = sink;
    }

    /** Sends a piece of the answer to a streaming client. */
    public void emitDelta(String delta) {
        deltasSent = true;
        deltaSink.accept(delta);
    }

    public boolean deltasSent() {
        return deltasSent;
    }

    public Action inputAction() {
        return inputAction;
    }

    public void inputAction(Action action) {
        this.inputAction = action;
    }

    public Action outputAction() {
        return outputAction;
    }

    public void outputAction(Action action) {
        this.outputAction = action;
    }

    public TreeSet<String> findingTypes() {
        return findingTypes;
    }

    public boolean cacheHit() {
        return cacheHit;
    }

    public void cacheHit(boolean hit) {
        this.cacheHit = hit;
    }

    /** Which cache tier answered (exact or semantic), empty when none did. */
    public String cacheTier() {
        return cacheTier;
    }

    public double cacheSimilarity() {
        return cacheSimilarity;
    }

    public void cacheTier(String tier, double similarity) {
        this.cacheTier = tier;
        this.cacheSimilarity = similarity;
    }

    /** What the provider answered, if it was called and answered. */
    public ChatResult providerResult() {
        return providerResult;
    }

    public void providerResult(ChatResult answer) {
        this.providerResult = answer;
    }

    /** The answer the caller gets (after output checks), once known. */
    public ChatResult result() {
        return result;
    }

    public void result(ChatResult answer) {
        this.result = answer;
    }

    public Throwable failure() {
        return failure;
    }

    public void failure(Throwable error) {
        this.failure = error;
    }

    public long costNanos() {
        return costNanos;
    }

    public void costNanos(long nanos) {
        this.costNanos = nanos;
    }

    /** The authenticated key (its limits and allow-list), or null in tests that need none. */
    public ApiKeys.Principal principal() {
        return principal;
    }

    public void principal(ApiKeys.Principal key) {
        this.principal = key;
    }

    /** Where the limit step charged this request, to correct its tokens afterwards. */
    public RateLimiter.Decision limitDecision() {
        return limitDecision;
    }

    public void limitDecision(RateLimiter.Decision decision) {
        this.limitDecision = decision;
    }
}
