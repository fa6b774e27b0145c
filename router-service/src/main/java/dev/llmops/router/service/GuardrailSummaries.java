package dev.llmops.router.service;

import dev.llmops.router.ChatExchange;
import llmops.guardrail.v1.Action;
import llmops.router.v1.GuardrailAction;
import llmops.router.v1.GuardrailSummary;

/** What the guardrails did to a request, as the response shows it (finding types only, never matched text). */
final class GuardrailSummaries {
    private GuardrailSummaries() {
    }

    static GuardrailSummary of(ChatExchange ex) {
        return GuardrailSummary.newBuilder()
                .setInputAction(toRouter(ex.inputAction()))
                .setOutputAction(toRouter(ex.outputAction()))
                .addAllFindingTypes(ex.findingTypes())
                .build();
    }

    private static GuardrailAction toRouter(Action action) {
        return switch (action) {
            case ACTION_ALLOW -> GuardrailAction.GUARDRAIL_ACTION_ALLOW;
            case ACTION_REDACT -> GuardrailAction.GUARDRAIL_ACTION_REDACT;
            case ACTION_BLOCK -> GuardrailAction.GUARDRAIL_ACTION_BLOCK;
            default -> GuardrailAction.GUARDRAIL_ACTION_UNSPECIFIED;
        };
    }
}
