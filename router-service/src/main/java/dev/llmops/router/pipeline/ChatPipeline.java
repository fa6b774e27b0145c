package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.function.Function;

/** Runs the steps around a terminal call (the provider), Bifrost-style: pre-hooks in order, post-hooks reversed. */
public final class ChatPipeline {
    private final List<ChatStep> steps;

    public ChatPipeline(List<ChatStep> steps) {
        this.steps = List.copyOf(steps);
    }

    /** The final answer, or the failure of the request after every post-hook ran. */
    public Uni<ChatResult> run(ChatExchange exchange, Function<ChatExchange, Uni<ChatResult>> terminal) {
        return runFrom(0, exchange, terminal);
    }

    private Uni<ChatResult> runFrom(int index, ChatExchange exchange, Function<ChatExchange, Uni<ChatResult>> terminal) {
        if (index == steps.size()) {
            return terminal.apply(exchange).invoke(answer -> exchange.providerResult(answer));
        }
        ChatStep step = steps.get(index);
        return step.before(exchange).onItem().transformToUni(shortCircuit -> {
            Uni<ChatResult> inner = shortCircuit != null
                    ? Uni.createFrom().item(shortCircuit)
                    : runFrom(index + 1, exchange, terminal);
            return inner.onItemOrFailure().transformToUni((answer, error) -> {
                if (error != null) {
                    exchange.failure(error);
                } else {
                    exchange.result(answer);
                }
                return step.after(exchange)
                        .onFailure().invoke(e -> exchange.failure(e))
                        .onFailure().recoverWithNull()
                        .onItem().transformToUni(ignored -> exchange.failure() != null
                                ? Uni.createFrom().<ChatResult>failure(exchange.failure())
                                : Uni.createFrom().item(exchange.result()));
            });
        });
    }
}
