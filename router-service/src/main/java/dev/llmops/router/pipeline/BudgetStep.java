package dev.llmops.router.pipeline;

import dev.llmops.cost.service.PriceCodec;
import dev.llmops.cost.service.Pricing;
import dev.llmops.cost.service.RequestValidation;
import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.Budgets;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.util.stream.Collectors;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.PriceVersion;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;

/**
 * Reserves the worst-case cost before the provider is called, for as long as the request may run; when the fallback
 * chain moves to a target with another model, swaps the reservation for that model's in one Reserve with
 * {@code replace} (the cost-service prices each model: a dearer fallback is held against the budget before it is
 * called, or refused). Afterwards settles the actual usage at the price in force when the request started, or
 * releases the reservation when no answer was bought. With {@code settleWithUsageEvent} (the usage-event step on), an
 * answer with reported usage is priced here, at the price version the Reserve answered and with the cost-service's
 * own pricing code, and its Settle travels in the usage event (the cost-service settles when it consumes it); otherwise
 * one Settle call, whose cost is what the response shows. Likewise the Release of a request that bought no answer
 * travels in its usage event when {@code settleWithUsageEvent} is on.
 */
public final class BudgetStep implements ChatStep {
    /** Added to the request's deadline: the reservation must outlive the answer's settle. */
    static final long TTL_SLACK_MS = 30_000;
    /** The cost-service's upper bound (24 h). */
    static final long MAX_TTL_MS = 86_400_000;
    private final Budgets cost;
    private final int defaultMaxTokens;
    private final boolean settleWithUsageEvent;

    public BudgetStep(Budgets cost, int defaultMaxTokens) {
        this(cost, defaultMaxTokens, false);
    }

    public BudgetStep(Budgets cost, int defaultMaxTokens, boolean settleWithUsageEvent) {
        this.cost = cost;
        this.defaultMaxTokens = defaultMaxTokens;
        this.settleWithUsageEvent = settleWithUsageEvent;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        String[] reserved = {ex.route().upstreamModel()};
        return reserve(ex, reserved[0], false).invoke(() -> ex.targetGate(target -> {
            if (target.upstreamModel().equals(reserved[0])) {
                return Uni.createFrom().voidItem();
            }
            // one atomic swap of the held reservation for the new model's: no moment without one, and a refusal
            // keeps the old one until the request releases it
            return reserve(ex, target.upstreamModel(), true).invoke(() -> reserved[0] = target.upstreamModel());
        })).replaceWith((ChatResult) null);
    }

    private Uni<Void> reserve(ChatExchange ex, String model, boolean replace) {
        int maxTokens = ex.request().getParameters().hasMaxTokens()
                ? ex.request().getParameters().getMaxTokens() : defaultMaxTokens;
        return cost.reserve(ReserveRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller())
                        .setModel(model).setPromptTokens(estimatePromptTokens(ex)).setMaxCompletionTokens(maxTokens)
                        .setReservationTtlMs(reservationTtlMs(ex)).setReplace(replace)
                        .setOccurredUnixMs(ex.startedUnixMs()).build())
                // the price this request is settled at (the model's own: a swap replaces it); none when the
                // reservation failed open, whose settle must reach the cost-service's failure policy at once
                .invoke(held -> ex.stepState(this, held.hasPrice() && !held.getFailOpen() ? held.getPrice() : null))
                .replaceWithVoid();
    }

    /** As long as the request may still run, plus slack; 0 (the cost-service's default) when it has no deadline. */
    static long reservationTtlMs(ChatExchange ex) {
        long remaining = ex.remainingMillis();
        return remaining < 0 ? 0 : Math.min(MAX_TTL_MS, remaining + TTL_SLACK_MS);
    }

    private Uni<Void> release(ChatExchange ex) {
        return cost.release(ReleaseRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller()).build())
                .replaceWithVoid();
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        if (ex.providerResult() == null) {
            if (settleWithUsageEvent) { // the cost-service releases the reservation when it consumes the event
                ex.releaseInUsageEvent(true);
                return Uni.createFrom().voidItem();
            }
            return release(ex)
                    .onFailure().invoke(e -> Log.errorf("release of %s failed; the reservation expires on its own: %s",
                            ex.requestId(), e.getMessage()))
                    .onFailure().recoverWithNull().replaceWithVoid();
        }
        ChatResult answer = ex.providerResult();
        boolean noUsage = answer.usage().getPromptTokens() == 0 && answer.usage().getCompletionTokens() == 0;
        Long priced = settleWithUsageEvent && !noUsage ? priceHere(ex, answer.usage()) : null;
        if (priced != null) {
            synchronized (ex) {
                ex.costNanos(priced);
                ex.settleInUsageEvent(true);
            }
            return Uni.createFrom().voidItem();
        }
        SettleRequest.Builder settle = SettleRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller())
                .setModel(ex.served().upstreamModel()).setUsage(answer.usage()).setOccurredUnixMs(ex.startedUnixMs());
        if (noUsage) {
            // the cost-service counts the tokens itself and marks the usage estimated
            settle.setPromptText(ex.messages().stream().map(ChatMessage::getContent).collect(Collectors.joining("\n")))
                    .setCompletionText(answer.content());
        }
        return cost.settle(settle.build())
                .invoke(settled -> {
                    synchronized (ex) { // the output check may replace the result meanwhile (ParallelAfter)
                        ex.costNanos(settled.getCostNanosUsd());
                        if (noUsage && settled.hasUsage()) {
                            useEstimate(ex, answer, settled.getUsage());
                        }
                    }
                })
                .onFailure().invoke(e -> Log.errorf("settle of %s failed: %s", ex.requestId(), e.getMessage()))
                .replaceWithVoid();
    }

    /**
     * The usage's cost at the price the Reserve answered for the model that served, as the cost-service's Settle
     * computes it (same code, same version); null when there is none to use (no reservation held, a failed-open one,
     * another model) or the usage is one the Settle would refuse: that answer takes the Settle call.
     */
    private Long priceHere(ChatExchange ex, TokenUsage usage) {
        PriceVersion price = ex.stepState(this);
        if (price == null || !price.getModel().equals(ex.served().upstreamModel())) {
            return null;
        }
        try {
            RequestValidation.requireUsage(usage);
            return Pricing.costNanos(PriceCodec.fromProtoMemoised(price), usage);
        } catch (RuntimeException e) {
            Log.warnf("request %s is settled by a call: %s", ex.requestId(), e.getMessage());
            return null;
        }
    }

    /** The usage the cost-service counted replaces the missing one, in the response and the usage event. */
    private static void useEstimate(ChatExchange ex, ChatResult answer, TokenUsage estimated) {
        ChatResult priced = new ChatResult(answer.content(), answer.finishReason(), estimated, answer.model(), answer.toolCalls());
        ex.providerResult(priced);
        ChatResult shown = ex.result();
        if (shown != null && shown.usage() == answer.usage()) {
            ex.result(new ChatResult(shown.content(), shown.finishReason(), estimated, shown.model(), shown.toolCalls()));
        }
    }

    /** A deliberate over-estimate (about 3 characters a token, plus per-message overhead): reservations err high. */
    static long estimatePromptTokens(ChatExchange ex) {
        long chars = 0;
        for (ChatMessage m : ex.messages()) {
            chars += m.getContent().length() + 4 * 3;
        }
        return (chars + 2) / 3;
    }
}
