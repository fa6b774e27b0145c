package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.messaging.UsageEventPublisher;
import io.smallrye.mutiny.Uni;
import llmops.common.v1.TokenUsage;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;
import llmops.guardrail.v1.Action;

/**
 * The outermost step: publishes one usage event per request, whatever happened to it; when a step left work running
 * after the response (an early Reserve's release), once that work ended, so the event can carry its release.
 */
public final class UsageEventStep implements ChatStep {
    private final UsageEventPublisher publisher;

    public UsageEventStep(UsageEventPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        UsageEvent.Builder event = UsageEvent.newBuilder()
                .setRequestId(ex.requestId())
                .setOccurredUnixMs(System.currentTimeMillis())
                .setCaller(ex.caller())
                .setRequestedModel(ex.route().name())
                .setProvider(ex.served().provider())
                .setCostNanosUsd(ex.costNanos())
                .setSettleBudget(ex.settleInUsageEvent())
                .setOutcome(outcome(ex))
                .setLatencyMs(ex.elapsedMillis())
                .setStream(ex.stream());
        if (ex.providerResult() != null) {
            event.setServedModel(ex.served().upstreamModel()).setUsage(ex.providerResult().usage());
        } else {
            event.setUsage(TokenUsage.getDefaultInstance());
        }
        UsageEventDetails.fill(event, ex);
        Runnable publish = () -> publisher.publish(event.setReleaseBudget(ex.releaseInUsageEvent()).build());
        Uni<Void> late = ex.lateWork();
        if (late == null) {
            publish.run();
        } else {
            late.subscribe().with(ignored -> publish.run());
        }
        return Uni.createFrom().voidItem();
    }

    private static Outcome outcome(ChatExchange ex) {
        if (ex.failure() != null) {
            return ex.providerResult() != null ? Outcome.OUTCOME_SERVED : Outcome.OUTCOME_ERROR;
        }
        if (ex.cacheHit()) {
            return Outcome.OUTCOME_CACHE_HIT;
        }
        if (ex.inputAction() == Action.ACTION_BLOCK) {
            return Outcome.OUTCOME_BLOCKED;
        }
        return Outcome.OUTCOME_SERVED;
    }
}
