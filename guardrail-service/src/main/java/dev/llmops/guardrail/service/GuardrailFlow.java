package dev.llmops.guardrail.service;

import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.repository.FairnessStats;
import dev.llmops.guardrail.repository.PlaceholderVault;
import dev.llmops.guardrail.repository.ReviewQueue;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.function.Supplier;
import llmops.common.v1.Caller;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.Direction;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.ReviewItem;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/**
 * One check end to end: the tenant's policy, the scan (on the event loop, or a worker for long texts), then the I/O
 * the verdict needs: the vault for redactions, the review queue for escalations, fairness counters and the audit
 * event. Vault, fairness and audit failures never change a verdict (they are logged and counted); a failed
 * enqueue of an escalation keeps the hold (the caller gets the hold text, without a review id).
 */
@ApplicationScoped
public class GuardrailFlow {

    private final CheckService checks;
    private final PolicyStore policies;
    private final PlaceholderVault vault;
    private final ReviewQueue reviews;
    private final FairnessStats fairness;
    private final AuditSink audit;
    private final int offloadThreshold;
    private final boolean groundingEmbeddings;

    public GuardrailFlow(CheckService checks, PolicyStore policies, PlaceholderVault vault, ReviewQueue reviews,
            FairnessStats fairness, AuditSink audit, dev.llmops.guardrail.config.GuardrailConfig config) {
        this.checks = checks;
        this.policies = policies;
        this.vault = vault;
        this.reviews = reviews;
        this.fairness = fairness;
        this.audit = audit;
        this.offloadThreshold = config.offloadThresholdChars();
        this.groundingEmbeddings = config.grounding().embeddings();
    }

    @WithSpan("guardrail.check-input")
    public Uni<CheckInputResponse> checkInput(CheckInputRequest request, long chars) {
        Caller caller = request.getCaller();
        return policies.forTenant(caller.getTenantId())
                .chain(policy -> scan(() -> checks.checkInput(request, policy), chars))
                .chain(checked -> {
                    CheckInputResponse.Builder response = checked.response();
                    Uni<Boolean> stored = checked.originals().isEmpty() ? Uni.createFrom().item(false)
                            : vault.store(caller.getTenantId(), request.getRequestId(), checked.originals())
                                    .onFailure().recoverWithItem(e -> {
                                        Log.warnf("vault store failed for request %s: %s", request.getRequestId(),
                                                e.toString());
                                        return false;
                                    });
                    return stored.chain(ok -> {
                        response.setPlaceholdersRestorable(ok);
                        return escalate(checked, caller, request.getRequestId(), Direction.DIRECTION_INPUT,
                                response.getPolicyVersion());
                    }).map(reviewId -> {
                        if (reviewId != null) {
                            response.setReviewId(reviewId);
                        }
                        CheckInputResponse built = response.build();
                        after(caller, request.getRequestId(), Direction.DIRECTION_INPUT, built.getAction(),
                                built.getFindingsList(), built.getPolicyVersion(), built.getReviewId(), checked.nanos());
                        return built;
                    });
                });
    }

    @WithSpan("guardrail.check-output")
    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        Caller caller = request.getCaller();
        long chars = request.getContent().length();
        for (var d : request.getContextDocumentsList()) {
            chars += d.getText().length();
        }
        // Embedding sentences takes milliseconds: never on the event loop.
        long size = groundingEmbeddings && request.getContextDocumentsCount() > 0 ? Long.MAX_VALUE : chars;
        // the input's originals are read first, so that the answer's own redactions are numbered after the input's
        // placeholders and are never mistaken for them (and "restored" to the caller's value) below
        Uni<Map<String, String>> inputOriginals = request.getRestorePlaceholders()
                ? vault.originals(caller.getTenantId(), request.getRequestId()) : Uni.createFrom().item(Map.of());
        return policies.forTenant(caller.getTenantId())
                .chain(policy -> inputOriginals.chain(originals -> scan(
                        () -> checks.checkOutput(request, policy, originals.keySet()), size)
                        .invoke(checked -> restoreInput(request, checked.response(), originals))))
                .chain(checked -> {
                    CheckOutputResponse.Builder response = checked.response();
                    return escalate(checked, caller, request.getRequestId(),
                            Direction.DIRECTION_OUTPUT, response.getPolicyVersion()).map(reviewId -> {
                                if (reviewId != null) {
                                    response.setReviewId(reviewId);
                                }
                                CheckOutputResponse built = response.build();
                                after(caller, request.getRequestId(), Direction.DIRECTION_OUTPUT, built.getAction(),
                                        built.getFindingsList(), built.getPolicyVersion(), built.getReviewId(),
                                        checked.nanos());
                                return built;
                            });
                });
    }

    /** The caller's own values back in place of the input's placeholders, when asked for and not on a block. */
    private static void restoreInput(CheckOutputRequest request, CheckOutputResponse.Builder response,
            Map<String, String> inputOriginals) {
        if (request.getRestorePlaceholders() && response.getAction() != Action.ACTION_BLOCK) {
            PlaceholderVault.Restored r = PlaceholderVault.replace(response.getContent(), inputOriginals,
                    request.getJsonEscape());
            response.setContent(r.text()).setRestoredPlaceholders(r.count());
        }
    }

    public Uni<RestorePlaceholdersResponse> restore(RestorePlaceholdersRequest request) {
        return vault.restore(request.getCaller().getTenantId(), request.getRequestId(), request.getText(),
                request.getJsonEscape()).map(r -> RestorePlaceholdersResponse.newBuilder().setText(r.text())
                        .setRestored(r.count()).setFound(r.found()).build());
    }

    private <T> Uni<T> scan(Supplier<T> check, long chars) {
        Uni<T> uni = Uni.createFrom().item(check);
        return chars > offloadThreshold ? uni.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) : uni;
    }

    /** The review id when the check escalated and the item was queued, else null. */
    private Uni<String> escalate(CheckService.Checked<?> checked, Caller caller, String requestId, Direction direction,
            long policyVersion) {
        if (checked.reviewText() == null) {
            return Uni.createFrom().nullItem();
        }
        ReviewItem draft = ReviewItem.newBuilder().setTenantId(caller.getTenantId()).setRequestId(requestId)
                .setDirection(direction).setContent(checked.reviewText()).addAllFindings(checked.findings())
                .setPolicyVersion(policyVersion).build();
        return reviews.enqueue(draft).map(ReviewItem::getReviewId).onFailure().recoverWithItem(e -> {
            Log.errorf("could not queue request %s for review: %s", requestId, e.toString());
            return null;
        });
    }

    /** Fairness counters and the audit event; both fire and forget, failures logged. */
    private void after(Caller caller, String requestId, Direction direction, Action verdict,
            java.util.List<Finding> findings, long policyVersion, String reviewId, long nanos) {
        boolean flagged = false;
        for (Finding f : findings) {
            flagged |= PolicyAction.of(f.getAction()) != PolicyAction.ALLOW;
        }
        if (caller.getTagsCount() > 0) {
            fairness.record(caller.getTenantId(), caller.getTagsMap(), verdict == Action.ACTION_BLOCK, flagged)
                    .subscribe().with(v -> { }, e -> Log.warnf("fairness counters failed: %s", e.toString()));
        }
        audit.publish(caller, requestId, direction, verdict, findings, policyVersion, reviewId, nanos);
    }
}
