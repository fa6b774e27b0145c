package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.GuardrailClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.util.Set;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.RestorePlaceholdersRequest;

/**
 * Scans the prompt: sends on the redacted rewrite, or ends the request with the policy's fallback. On the way out,
 * puts the caller's own values back in place of the placeholders in an answer no output check restored (a cache
 * hit, or a route without the output check).
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

    @Override
    public Uni<Void> after(ChatExchange ex) {
        ChatResult answer = ex.result();
        if (!ex.placeholdersRestorable() || ex.placeholdersRestored() || ex.failure() != null || answer == null
                || ex.outputAction() == Action.ACTION_BLOCK || answer.content().indexOf('<') < 0) {
            return Uni.createFrom().voidItem();
        }
        return guardrail.restorePlaceholders(RestorePlaceholdersRequest.newBuilder().setRequestId(ex.requestId())
                        .setCaller(ex.caller()).setText(answer.content()).build())
                .invoke(restored -> {
                    ex.result(answer.withContent(restored.getText()));
                    ex.placeholdersRestored(true);
                })
                // the answer keeps its placeholders: less useful, never a leak
                .onFailure().invoke(e -> Log.warnf("restoring placeholders of %s failed: %s", ex.requestId(), e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
