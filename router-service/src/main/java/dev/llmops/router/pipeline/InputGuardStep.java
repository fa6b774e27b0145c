package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.smallrye.mutiny.Uni;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.Finding;

/** Scans the prompt: sends on the redacted rewrite, or ends the request with the policy's fallback. */
public final class InputGuardStep implements ChatStep {
    private final GuardrailClient guardrail;

    public InputGuardStep(GuardrailClient guardrail) {
        this.guardrail = guardrail;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        CheckInputRequest request = CheckInputRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller())
                .addAllMessages(ex.messages()).build();
        return guardrail.checkInput(request).map(verdict -> {
            verdict.getFindingsList().stream().map(Finding::getType).forEach(ex.findingTypes()::add);
            ex.inputAction(verdict.getAction());
            if (verdict.getAction() == Action.ACTION_BLOCK) {
                return ChatResult.fallback(verdict.getFallbackText());
            }
            if (verdict.getAction() == Action.ACTION_REDACT) {
                ex.messages(verdict.getMessagesList());
            }
            return null;
        });
    }
}
