package dev.llmops.guardrail.grpc;

import dev.llmops.guardrail.repository.FairnessStats;
import dev.llmops.guardrail.repository.ReviewQueue;
import dev.llmops.guardrail.service.GuardrailCalls;
import dev.llmops.guardrail.service.PolicyStore;
import dev.llmops.guardrail.service.RequestValidator;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import llmops.guardrail.v1.ApproveReviewRequest;
import llmops.guardrail.v1.ApproveReviewResponse;
import llmops.guardrail.v1.ClaimReviewRequest;
import llmops.guardrail.v1.ClaimReviewResponse;
import llmops.guardrail.v1.GetFairnessReportRequest;
import llmops.guardrail.v1.GetFairnessReportResponse;
import llmops.guardrail.v1.GetPolicyRequest;
import llmops.guardrail.v1.GetPolicyResponse;
import llmops.guardrail.v1.ListReviewsRequest;
import llmops.guardrail.v1.ListReviewsResponse;
import llmops.guardrail.v1.MutinyGuardrailAdminServiceGrpc;
import llmops.guardrail.v1.RejectReviewRequest;
import llmops.guardrail.v1.RejectReviewResponse;
import llmops.guardrail.v1.ReviewState;
import llmops.guardrail.v1.SetPolicyRequest;
import llmops.guardrail.v1.SetPolicyResponse;

/**
 * Admin RPCs: policies, the review queue, fairness. Meant for operators and the review tool, not for end users:
 * expose this port only inside the cluster (authentication is the deployment's job, e.g. a mesh policy).
 */
@GrpcService
public class GuardrailAdminGrpcService extends MutinyGuardrailAdminServiceGrpc.GuardrailAdminServiceImplBase {
    private static final int MAX_PAGE = 500;

    private final PolicyStore policies;
    private final ReviewQueue reviews;
    private final FairnessStats fairness;

    public GuardrailAdminGrpcService(PolicyStore policies, ReviewQueue reviews, FairnessStats fairness) {
        this.policies = policies;
        this.reviews = reviews;
        this.fairness = fairness;
    }

    @Override
    public Uni<GetPolicyResponse> getPolicy(GetPolicyRequest request) {
        return GuardrailCalls.guarded(() -> {
            String tenant = required(request.getTenantId(), "tenant_id");
            return policies.load(tenant).map(p -> p == null
                    ? GetPolicyResponse.newBuilder().setPolicy(policies.defaultAsProto(tenant)).setIsDefault(true).build()
                    : GetPolicyResponse.newBuilder().setPolicy(p).build());
        });
    }

    @Override
    public Uni<SetPolicyResponse> setPolicy(SetPolicyRequest request) {
        return GuardrailCalls.guarded(() -> {
            required(request.getActor(), "actor");
            if (request.getExpectedVersion() < 0) {
                throw RequestValidator.invalid("expected_version is negative");
            }
            return policies.set(request.getPolicy(), request.getExpectedVersion(), request.getActor())
                    .map(p -> SetPolicyResponse.newBuilder().setPolicy(p).build());
        });
    }

    @Override
    public Uni<ListReviewsResponse> listReviews(ListReviewsRequest request) {
        return GuardrailCalls.guarded(() -> {
            String tenant = required(request.getTenantId(), "tenant_id");
            if (request.getState() == ReviewState.UNRECOGNIZED) {
                throw RequestValidator.invalid("state is an unknown value");
            }
            ReviewState state = request.getState() == ReviewState.REVIEW_STATE_UNSPECIFIED
                    ? ReviewState.REVIEW_STATE_PENDING : request.getState();
            int size = request.getPageSize() <= 0 ? 50 : Math.min(MAX_PAGE, request.getPageSize());
            return reviews.list(tenant, state, size)
                    .map(items -> ListReviewsResponse.newBuilder().addAllItems(items).build());
        });
    }

    @Override
    public Uni<ClaimReviewResponse> claimReview(ClaimReviewRequest request) {
        return GuardrailCalls.guarded(() -> reviews.claim(required(request.getReviewId(), "review_id"),
                required(request.getReviewer(), "reviewer")).map(i -> ClaimReviewResponse.newBuilder().setItem(i)
                .build()));
    }

    @Override
    public Uni<ApproveReviewResponse> approveReview(ApproveReviewRequest request) {
        return GuardrailCalls.guarded(() -> reviews.decide(required(request.getReviewId(), "review_id"),
                required(request.getReviewer(), "reviewer"), true, request.getNote())
                .map(i -> ApproveReviewResponse.newBuilder().setItem(i).build()));
    }

    @Override
    public Uni<RejectReviewResponse> rejectReview(RejectReviewRequest request) {
        return GuardrailCalls.guarded(() -> reviews.decide(required(request.getReviewId(), "review_id"),
                required(request.getReviewer(), "reviewer"), false, request.getNote())
                .map(i -> RejectReviewResponse.newBuilder().setItem(i).build()));
    }

    @Override
    public Uni<GetFairnessReportResponse> getFairnessReport(GetFairnessReportRequest request) {
        return GuardrailCalls.guarded(() -> fairness.report(required(request.getTenantId(), "tenant_id"),
                required(request.getTagKey(), "tag_key")));
    }

    private static String required(String value, String field) {
        if (value.isBlank()) {
            throw RequestValidator.invalid(field + " is empty");
        }
        return value;
    }
}
