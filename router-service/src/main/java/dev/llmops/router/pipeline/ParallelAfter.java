package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import io.smallrye.mutiny.Uni;

/**
 * A step and a partner with no {@code before} of its own whose {@code after}s do not depend on each other (the budget's
 * settle and the output check): the two afters run at once, so the request waits for the slower of the two calls
 * rather than for both in turn. Both always run to the end (a failure of one does not cancel the other); the step fails
 * if either failed. Their callbacks may run on different threads: they may both replace the exchange's result only
 * under the exchange's lock, from the result as it is then.
 */
public final class ParallelAfter implements ChatStep {
    private final ChatStep step;
    private final ChatStep partner;

    /** @param partner a step that does nothing before the provider (its after runs whenever the step's before ran) */
    public ParallelAfter(ChatStep step, ChatStep partner) {
        this.step = step;
        this.partner = partner;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange exchange) {
        return step.before(exchange);
    }

    @Override
    public Uni<Void> after(ChatExchange exchange) {
        return Uni.combine().all().unis(step.after(exchange), partner.after(exchange)).collectFailures().discardItems();
    }
}
