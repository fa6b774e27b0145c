package dev.llmops.cost.service;

import dev.llmops.cost.Money;
import dev.llmops.cost.repository.BudgetStore;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;

/** Reserve, Settle and Release against a key's budget. Fails closed: no Redis, no reservation (UNAVAILABLE). */
@ApplicationScoped
public class BudgetService {
    private final PriceCatalog prices;
    private final BudgetPolicy policy;
    private final BudgetStore store;

    public BudgetService(PriceCatalog prices, BudgetPolicy policy, BudgetStore store) {
        this.prices = prices;
        this.policy = policy;
        this.store = store;
    }

    @WithSpan("cost.reserve")
    public Uni<ReserveResponse> reserve(ReserveRequest request) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", request.getRequestId());
            RequestValidation.requireCaller(request.hasCaller(), request.getCaller());
            RequestValidation.requireModel(request.getModel());
            RequestValidation.requireNonNegative("prompt_tokens", request.getPromptTokens());
            RequestValidation.requireNonNegative("max_completion_tokens", request.getMaxCompletionTokens());
            String keyId = request.getCaller().getKeyId();
            long worst = prices.worstCaseNanos(request.getModel(), request.getPromptTokens(),
                    request.getMaxCompletionTokens());
            long limit = policy.limitNanos(keyId);
            return store.reserve(keyId, request.getRequestId(), worst, limit).map(r -> {
                long code = r.get(0);
                long amount = r.get(1);
                long spent = r.get(2);
                long reserved = r.get(3);
                if (code == 0) {
                    throw Status.RESOURCE_EXHAUSTED.withDescription("budget of key " + keyId + " exhausted: limit $"
                            + Money.usd(limit) + ", spent $" + Money.usd(spent) + ", reserved $"
                            + Money.usd(reserved) + ", this request needs up to $" + Money.usd(amount)
                            + "; raise the key's limit (llmops.cost.budgets.keys) or lower max_completion_tokens")
                            .asRuntimeException();
                }
                return ReserveResponse.newBuilder()
                        .setReservedNanosUsd(code == 1 || code == 2 ? amount : 0)
                        .setRemainingNanosUsd(remaining(limit, spent, reserved))
                        .build();
            });
        }).onFailure().transform(e -> unavailableUnlessStatus(e, "reserve"));
    }

    @WithSpan("cost.settle")
    public Uni<SettleResponse> settle(SettleRequest request) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", request.getRequestId());
            RequestValidation.requireCaller(request.hasCaller(), request.getCaller());
            RequestValidation.requireModel(request.getModel());
            if (!request.hasUsage()) {
                throw RequestValidation.invalid("usage is required (send zeros if the provider used no tokens,"
                        + " or call Release when no provider was called)");
            }
            RequestValidation.requireUsage(request.getUsage());
            String keyId = request.getCaller().getKeyId();
            var u = request.getUsage();
            long cost = prices.costNanos(request.getModel(), u.getPromptTokens(), u.getCachedPromptTokens(),
                    u.getCompletionTokens());
            long limit = policy.limitNanos(keyId);
            return store.settle(keyId, request.getRequestId(), cost).map(r -> {
                if (r.get(0) == 2 && r.get(1) != cost) {
                    Log.warnf("request %s settled again with a different cost (%d, first %d); kept the first",
                            request.getRequestId(), cost, r.get(1));
                }
                return SettleResponse.newBuilder()
                        .setCostNanosUsd(r.get(1))
                        .setRemainingNanosUsd(remaining(limit, r.get(2), r.get(3)))
                        .build();
            });
        }).onFailure().transform(e -> unavailableUnlessStatus(e, "settle"));
    }

    @WithSpan("cost.release")
    public Uni<ReleaseResponse> release(ReleaseRequest request) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", request.getRequestId());
            RequestValidation.requireCaller(request.hasCaller(), request.getCaller());
            return store.release(request.getCaller().getKeyId(), request.getRequestId())
                    .map(r -> ReleaseResponse.newBuilder().setReleasedNanosUsd(r.get(0)).build());
        }).onFailure().transform(e -> unavailableUnlessStatus(e, "release"));
    }

    private static long remaining(long limit, long spent, long reserved) {
        if (limit == BudgetPolicy.UNLIMITED) {
            return -1;
        }
        return Math.max(0, limit - spent - reserved);
    }

    /** Our own status errors pass through; anything else here is the budget store failing: UNAVAILABLE. */
    private static Throwable unavailableUnlessStatus(Throwable e, String op) {
        if (e instanceof StatusRuntimeException || e instanceof StatusException) {
            return e;
        }
        Log.warnf("%s failed: budget store (Redis) unavailable: %s", op, e.toString());
        return Status.UNAVAILABLE.withDescription("budget store (Redis) unavailable, cannot " + op
                + " (the cost-service fails closed); retry later").withCause(e).asRuntimeException();
    }
}
