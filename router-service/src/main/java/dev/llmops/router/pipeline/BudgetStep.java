package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.CostClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import llmops.common.v1.ChatMessage;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.SettleRequest;

/**
 * Reserves the worst-case cost before the provider is called; afterwards settles the actual usage (the cost-service
 * prices it, and that cost is what the response shows) or releases the reservation when no answer was bought.
 */
public final class BudgetStep implements ChatStep {
    private final CostClient cost;
    private final int defaultMaxTokens;

    public BudgetStep(CostClient cost, int defaultMaxTokens) {
        this.cost = cost;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        int maxTokens = ex.request().getParameters().hasMaxTokens()
                ? ex.request().getParameters().getMaxTokens() : defaultMaxTokens;
        return cost.reserve(ReserveRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller())
                        .setModel(ex.route().upstreamModel()).setPromptTokens(estimatePromptTokens(ex))
                        .setMaxCompletionTokens(maxTokens).build())
                .replaceWith((ChatResult) null);
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        if (ex.providerResult() == null) {
            return cost.release(ReleaseRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller()).build())
                    .onFailure().invoke(e -> Log.errorf("release of %s failed; the reservation expires on its own: %s",
                            ex.requestId(), e.getMessage()))
                    .onFailure().recoverWithNull().replaceWithVoid();
        }
        return cost.settle(SettleRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller())
                        .setModel(ex.served().upstreamModel()).setUsage(ex.providerResult().usage()).build())
                .invoke(settled -> ex.costNanos(settled.getCostNanosUsd()))
                .onFailure().invoke(e -> Log.errorf("settle of %s failed: %s", ex.requestId(), e.getMessage()))
                .replaceWithVoid();
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
