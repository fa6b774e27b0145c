package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.smallrye.mutiny.Uni;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormatType;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.ContextDocument;
import llmops.guardrail.v1.Finding;

/**
 * Scans the provider's answer with the request's context documents (grounding) and response format (JSON, JSON
 * Schema), and has the caller's own values put back in place of the input's placeholders: shows the returned
 * content, or the fallback on a block. A streamed answer has already reached the client when this runs: its
 * verdict is reported in the final message (see the README).
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
        boolean restore = ex.placeholdersRestorable();
        return guardrail.checkOutput(request(ex, answer.content(), restore)).invoke(verdict -> {
            synchronized (ex) { // the budget's settle may put estimated usage into the result meanwhile (ParallelAfter)
                verdict.getFindingsList().stream().map(Finding::getType).forEach(ex.findingTypes()::add);
                ex.outputAction(verdict.getAction());
                // any finding, log-only ones included (ungrounded, refusal...), keeps the answer out of the cache
                ex.outputFlagged(verdict.getAction() != Action.ACTION_ALLOW || verdict.getFindingsCount() > 0);
                if (verdict.getAction() == Action.ACTION_BLOCK) {
                    ex.result(ChatResult.fallback(verdict.getFallbackText()));
                    return;
                }
                if (restore) {
                    ex.placeholdersRestored(true);
                }
                if (verdict.getAction() == Action.ACTION_REDACT || verdict.getRestoredPlaceholders() > 0) {
                    ex.result(ex.result().withContent(verdict.getContent()));
                }
            }
        }).replaceWithVoid();
    }

    static CheckOutputRequest request(ChatExchange ex, String content, boolean restore) {
        CheckOutputRequest.Builder request = CheckOutputRequest.newBuilder().setRequestId(ex.requestId())
                .setCaller(ex.caller()).setContent(content).addAllPrompt(ex.messages()).setRestorePlaceholders(restore);
        ex.request().getContextDocumentsList().forEach(d -> request.addContextDocuments(
                ContextDocument.newBuilder().setId(d.getId()).setText(d.getContent())));
        GenerationParameters p = ex.request().getParameters();
        if (p.hasResponseFormat() && p.getResponseFormat().getType() != ResponseFormatType.RESPONSE_FORMAT_TYPE_UNSPECIFIED
                && p.getResponseFormat().getType() != ResponseFormatType.RESPONSE_FORMAT_TYPE_TEXT) {
            request.setResponseFormat(p.getResponseFormat());
        }
        return request.build();
    }
}
