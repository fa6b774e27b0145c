package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import io.smallrye.mutiny.Uni;

/**
 * One step of the request path. {@link #before} runs in order before the provider and may end the request with
 * an answer of its own; {@link #after} runs in reverse order, only for steps whose {@code before} ran, with the
 * exchange's result or failure set.
 */
public interface ChatStep {

    /** Emits null to go on, or an answer that ends the request here. */
    default Uni<ChatResult> before(ChatExchange exchange) {
        return Uni.createFrom().nullItem();
    }

    /** May replace the exchange's result or set its failure. */
    default Uni<Void> after(ChatExchange exchange) {
        return Uni.createFrom().voidItem();
    }
}
