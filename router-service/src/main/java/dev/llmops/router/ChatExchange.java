package dev.llmops.router;

import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.limits.RateLimiter;
import dev.llmops.router.routing.RoutePlan;
import io.smallrye.mutiny.Uni;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    /** A check before a target of the chain is called; a failure ends the chain with that failure. */
    @FunctionalInterface
    public interface TargetGate {
        TargetGate NONE = target -> Uni.createFrom().voidItem();

        Uni<Void> before(Route target);
    }

    private final String requestId;
    private final Caller caller;
    private final ChatRequest request;
    private final Route route;
    private final boolean stream;
    private final long startNanos = System.nanoTime();
    private final long startedUnixMs = System.currentTimeMillis();
    private long deadlineNanos = Long.MAX_VALUE;
    private String tier = "";
    private boolean placeholdersRestorable;
    private boolean placeholdersRestored;
    private boolean toolCallsRestored;
    private boolean unredactedPii;
    private boolean outputFlagged;
    private TargetGate targetGate = TargetGate.NONE;
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
    private boolean settleInUsageEvent;
    private boolean releaseInUsageEvent;
    private Uni<Void> lateWork;
    private RoutePlan plan;
    private Route served;
    private ApiKeys.Principal principal;
    private RateLimiter.Decision limitDecision;
    private Map<Object, Object> stepStates;

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

    /** Wall-clock time the request arrived: what it is priced at (Settle) and recorded under (usage event). */
    public long startedUnixMs() {
        return startedUnixMs;
    }

    /**
     * Bounds the whole request (every retry and fallback) to {@code millis} from its start; the earliest bound wins.
     * Without one the request has no overall deadline (each attempt still has its target's timeout).
     */
    public void deadlineAfter(long millis) {
        long at = startNanos + Math.max(0, millis) * 1_000_000;
        if (at < deadlineNanos) {
            deadlineNanos = at;
        }
    }

    /** The overall deadline as a {@link System#nanoTime()} value; {@link Long#MAX_VALUE} when there is none. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Milliseconds left until the overall deadline (never negative), or -1 when there is none. */
    public long remainingMillis() {
        return deadlineNanos == Long.MAX_VALUE ? -1 : Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    /** The routing tier (cheap, mid, premium) when tiered routing chose the route, else empty. */
    public String tier() {
        return tier;
    }

    public void tier(String chosen) {
        this.tier = chosen;
    }

    /** Whether the input guardrail stored the originals of its placeholders (so the answer can get them back). */
    public boolean placeholdersRestorable() {
        return placeholdersRestorable;
    }

    public void placeholdersRestorable(boolean restorable) {
        this.placeholdersRestorable = restorable;
    }

    /** Whether the answer's placeholders were already put back (by the output check or a stream's restorer). */
    public boolean placeholdersRestored() {
        return placeholdersRestored;
    }

    public void placeholdersRestored(boolean restored) {
        this.placeholdersRestored = restored;
    }

    /** Whether the tool calls' arguments were already checked and their placeholders put back (the output check). */
    public boolean toolCallsRestored() {
        return toolCallsRestored;
    }

    public void toolCallsRestored(boolean restored) {
        this.toolCallsRestored = restored;
    }

    /** The prompt holds PII the input guardrail found but did not redact (the policy allowed or only logged it). */
    public boolean unredactedPii() {
        return unredactedPii;
    }

    public void unredactedPii(boolean found) {
        this.unredactedPii = found;
    }

    /** The output guardrail found anything in the answer (even log-only findings): never cached. */
    public boolean outputFlagged() {
        return outputFlagged;
    }

    public void outputFlagged(boolean flagged) {
        this.outputFlagged = flagged;
    }

    /** Runs before each target of the fallback chain is called (the budget re-reserves for its model). */
    public TargetGate targetGate() {
        return targetGate;
    }

    public void targetGate(TargetGate gate) {
        this.targetGate = gate;
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

    /** True when the budget step made no Settle call: the usage event carries it (UsageEvent.settle_budget). */
    public boolean settleInUsageEvent() {
        return settleInUsageEvent;
    }

    public void settleInUsageEvent(boolean settle) {
        this.settleInUsageEvent = settle;
    }

    /** True when the budget step made no Release call: the usage event carries it (UsageEvent.release_budget). */
    public synchronized boolean releaseInUsageEvent() {
        return releaseInUsageEvent;
    }

    public synchronized void releaseInUsageEvent(boolean release) {
        this.releaseInUsageEvent = release;
    }

    /**
     * Work a step left running after the response (the release of a Reserve that was started early and finished
     * after a cache hit or a block answered): the usage event, which may carry its outcome, is published when it ends.
     * Never fails. Null when there is none.
     */
    public synchronized Uni<Void> lateWork() {
        return lateWork;
    }

    public synchronized void lateWork(Uni<Void> work) {
        lateWork = lateWork == null ? work : Uni.combine().all().unis(lateWork, work).discardItems();
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

    /** What a step that spans two places of the chain (EarlyStart) keeps for this request, under its owner. */
    @SuppressWarnings("unchecked")
    public <T> T stepState(Object owner) {
        return stepStates == null ? null : (T) stepStates.get(owner);
    }

    public void stepState(Object owner, Object state) {
        if (stepStates == null) {
            stepStates = new IdentityHashMap<>(2);
        }
        stepStates.put(owner, state);
    }
}
