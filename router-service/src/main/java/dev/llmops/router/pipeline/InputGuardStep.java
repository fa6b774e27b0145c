package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Set;
import llmops.common.v1.ToolCall;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/**
 * Scans the prompt: sends on the redacted rewrite, or ends the request with the policy's fallback. On the way out,
 * puts the caller's own values back in place of the placeholders in an answer no output check restored (a cache
 * hit, or a route without the output check), and in the arguments of the answer's tool calls.
 */
public final class InputGuardStep implements ChatStep {
    /** The guardrail's scanners whose findings are personal data or secrets (its ScannerRegistry names). */
    static final Set<String> PII_SCANNERS = Set.of("email", "phone", "payment-card", "iban", "us-ssn", "ip-address",
            "date-of-birth", "person-name", "street-address", "secret");
    private final GuardrailClient guardrail;
    private final boolean restorePlaceholders;

    /** @param restorePlaceholders whether callers get their own values back in answers (reversible redaction) */
    public InputGuardStep(GuardrailClient guardrail, boolean restorePlaceholders) {
        this.guardrail = guardrail;
        this.restorePlaceholders = restorePlaceholders;
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
            ex.unredactedPii(unredactedPii(verdict.getFindingsList()));
            if (verdict.getAction() == Action.ACTION_REDACT) {
                ex.messages(verdict.getMessagesList());
                ex.placeholdersRestorable(restorePlaceholders && verdict.getPlaceholdersRestorable());
            }
            return null;
        });
    }

    /** Personal data the policy let through as it is (allow, log only, an escalation not held). */
    static boolean unredactedPii(java.util.List<Finding> findings) {
        for (Finding f : findings) {
            if (PII_SCANNERS.contains(f.getScanner()) && f.getAction() != Action.ACTION_REDACT
                    && f.getAction() != Action.ACTION_BLOCK) {
                return true;
            }
        }
        return false;
    }

    /**
     * Puts the caller's own values back into the answer and into the arguments of the tool calls the model made with
     * placeholders (the caller's code runs those calls, not the provider; JSON escaped so the arguments stay valid
     * JSON), where the output check did not already (a cache hit, a route without it).
     */
    @Override
    public Uni<Void> after(ChatExchange ex) {
        ChatResult answer = ex.result();
        if (!ex.placeholdersRestorable() || ex.failure() != null || answer == null
                || ex.outputAction() == Action.ACTION_BLOCK) {
            return Uni.createFrom().voidItem();
        }
        boolean content = !ex.placeholdersRestored() && answer.content().indexOf('<') >= 0;
        boolean calls = !ex.toolCallsRestored()
                && answer.toolCalls().stream().anyMatch(c -> c.getArguments().indexOf('<') >= 0);
        if (!content && !calls) {
            return Uni.createFrom().voidItem();
        }
        Uni<String> restoredContent = content ? restore(ex, answer.content(), false)
                : Uni.createFrom().item(answer.content());
        Uni<List<ToolCall>> restoredCalls = !calls ? Uni.createFrom().item(answer.toolCalls())
                : Uni.join().all(answer.toolCalls().stream().map(c -> c.getArguments().indexOf('<') < 0
                        ? Uni.createFrom().item(c)
                        : restore(ex, c.getArguments(), true).map(a -> c.toBuilder().setArguments(a).build())).toList())
                        .andFailFast();
        return Uni.combine().all().unis(restoredContent, restoredCalls).asTuple()
                .invoke(restored -> {
                    ex.result(answer.withContent(restored.getItem1()).withToolCalls(restored.getItem2()));
                    if (content) {
                        ex.placeholdersRestored(true);
                    }
                })
                // the answer keeps its placeholders: less useful, never a leak
                .onFailure().invoke(e -> Log.warnf("restoring placeholders of %s failed: %s", ex.requestId(), e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private Uni<String> restore(ChatExchange ex, String text, boolean jsonEscape) {
        return guardrail.restorePlaceholders(RestorePlaceholdersRequest.newBuilder().setRequestId(ex.requestId())
                .setCaller(ex.caller()).setText(text).setJsonEscape(jsonEscape).build())
                .map(RestorePlaceholdersResponse::getText);
    }
}
