package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.ToolCall;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
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
        }).chain(() -> checkToolCalls(ex, restore));
    }

    /**
     * The arguments of the answer's tool calls go to the caller's code: each is checked like the content (its own
     * CheckOutput, the same policy), its placeholders put back JSON-escaped. A block of any replaces the whole answer
     * with the fallback; a redaction rewrites that call's arguments.
     */
    private Uni<Void> checkToolCalls(ChatExchange ex, boolean restore) {
        ChatResult shown = ex.result();
        if (ex.outputAction() == Action.ACTION_BLOCK || shown.toolCalls().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<CheckOutputResponse>> checks = shown.toolCalls().stream().map(call -> guardrail.checkOutput(
                check(ex, call.getArguments(), restore).setJsonEscape(true).build())).toList();
        return Uni.join().all(checks).andFailFast().invoke(verdicts -> {
            synchronized (ex) {
                List<ToolCall> calls = new ArrayList<>(verdicts.size());
                for (int i = 0; i < verdicts.size(); i++) {
                    CheckOutputResponse verdict = verdicts.get(i);
                    verdict.getFindingsList().stream().map(Finding::getType).forEach(ex.findingTypes()::add);
                    ex.outputFlagged(ex.outputFlagged() || verdict.getAction() != Action.ACTION_ALLOW
                            || verdict.getFindingsCount() > 0);
                    if (verdict.getAction() == Action.ACTION_BLOCK) {
                        ex.outputAction(Action.ACTION_BLOCK);
                        ex.result(ChatResult.fallback(verdict.getFallbackText()));
                        return;
                    }
                    if (verdict.getAction() == Action.ACTION_REDACT) {
                        ex.outputAction(Action.ACTION_REDACT);
                    }
                    calls.add(shown.toolCalls().get(i).toBuilder().setArguments(verdict.getContent()).build());
                }
                ex.result(ex.result().withToolCalls(calls));
                ex.toolCallsRestored(restore);
            }
        }).replaceWithVoid();
    }

    /** What every output check of the request carries: who, which request, the text to check and the prompt. */
    private static CheckOutputRequest.Builder check(ChatExchange ex, String content, boolean restore) {
        return CheckOutputRequest.newBuilder().setRequestId(ex.requestId()).setCaller(ex.caller()).setContent(content)
                .addAllPrompt(ex.messages()).setRestorePlaceholders(restore);
    }

    static CheckOutputRequest request(ChatExchange ex, String content, boolean restore) {
        CheckOutputRequest.Builder request = check(ex, content, restore);
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
