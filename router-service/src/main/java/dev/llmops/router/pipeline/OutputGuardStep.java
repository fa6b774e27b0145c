package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.smallrye.mutiny.Uni;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.Finding;

/**
 * Scans the provider's answer: shows the redacted rewrite, or the fallback on a block. A streamed answer has
 * already reached the client when this runs: its verdict is reported in the final message (see the README).
 */
public final class OutputGuardStep implements ChatStep {
    private final GuardrailClient guardrail;

    public OutputGuardStep(GuardrailClient guardrail) {
        this.guardrail = guardrail;
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        if (ex.failure() != null || ex.providerResult() == null) {
            return Uni.createFrom().voidItem();
        }
        ChatResult answer = ex.result();
        CheckOutputRequest request = CheckOutputRequest.newBuilder().setRequestId(ex.requestId())
                .setCaller(ex.caller()).setContent(answer.content()).addAllPrompt(ex.messages()).build();
        return guardrail.checkOutput(request).invoke(verdict -> {
            verdict.getFindingsList().stream().map(Finding::getType).forEach(ex.findingTypes()::add);
            ex.outputAction(verdict.getAction());
            if (verdict.getAction() == Action.ACTION_BLOCK) {
                ex.result(ChatResult.fallback(verdict.getFallbackText()));
            } else if (verdict.getAction() == Action.ACTION_REDACT) {
                ex.result(answer.withContent(verdict.getContent()));
            }
        }).replaceWithVoid();
    }
}
