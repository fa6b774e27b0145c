package dev.llmops.cost.service;

import dev.llmops.cost.Budget;
import dev.llmops.cost.Money;
import dev.llmops.cost.repository.BudgetStore;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import llmops.cost.v1.BudgetPeriod;
import llmops.cost.v1.BudgetRule;
import llmops.cost.v1.DeleteBudgetResponse;
import llmops.cost.v1.GetBudgetRequest;
import llmops.cost.v1.GetBudgetResponse;
import llmops.cost.v1.ListBudgetsResponse;
import llmops.cost.v1.SetBudgetResponse;

/** The budget admin RPCs: rules (config and admin-set) and the current counters. */
@ApplicationScoped
public class BudgetAdminService {
    private final BudgetPolicy policy;
    private final BudgetStore store;

    public BudgetAdminService(BudgetPolicy policy, BudgetStore store) {
        this.policy = policy;
        this.store = store;
    }

    public Uni<SetBudgetResponse> set(BudgetRule rule) {
        Budget.Period period = switch (rule.getPeriod()) {
            case BUDGET_PERIOD_UNSPECIFIED, BUDGET_PERIOD_TOTAL -> Budget.Period.TOTAL;
            case BUDGET_PERIOD_DAILY -> Budget.Period.DAILY;
            case BUDGET_PERIOD_MONTHLY -> Budget.Period.MONTHLY;
            default -> throw RequestValidation.invalid("period must be TOTAL, DAILY or MONTHLY");
        };
        return policy.set(rule.getBudgetId(), rule.getLimitUsd(), period, !rule.getSoft())
                .map(r -> SetBudgetResponse.newBuilder().setRule(toProto(rule.getBudgetId(), r)).build())
                .onFailure(BudgetAdminService::notStatus).transform(e -> unavailable(e, "store the budget rule"));
    }

    public Uni<DeleteBudgetResponse> delete(String budgetId) {
        return Uni.createFrom().deferred(() -> {
            if (BudgetPolicy.idProblem(budgetId) != null) {
                throw RequestValidation.invalid("budget_id " + BudgetPolicy.idProblem(budgetId));
            }
            return policy.delete(budgetId).map(d -> DeleteBudgetResponse.newBuilder().setDeleted(d).build());
        }).onFailure(BudgetAdminService::notStatus).transform(e -> unavailable(e, "delete the budget rule"));
    }

    public ListBudgetsResponse list(String tenant) {
        ListBudgetsResponse.Builder out = ListBudgetsResponse.newBuilder();
        for (Map.Entry<String, BudgetPolicy.Rule> e : policy.rules().entrySet()) {
            String id = e.getKey();
            if (tenant.isEmpty() || id.startsWith("tenant/" + tenant) && id.length() == 7 + tenant.length()
                    || id.startsWith("team/" + tenant + "/") || id.startsWith("user/" + tenant + "/")) {
                out.addRules(toProto(id, e.getValue()));
            }
        }
        return out.build();
    }

    public Uni<GetBudgetResponse> get(GetBudgetRequest request) {
        return Uni.createFrom().deferred(() -> {
            String id = request.getBudgetId();
            String problem = BudgetPolicy.idProblem(id);
            if (problem != null) {
                throw RequestValidation.invalid("budget_id " + problem);
            }
            String tenant = id.startsWith("key/") ? request.getTenantId() : id.split("/")[1];
            if (tenant.isEmpty()) {
                throw RequestValidation.invalid("tenant_id is required for a key budget (its counter lives under"
                        + " the tenant)");
            }
            Budget b = policy.budget(id);
            if (b == null) {
                throw Status.NOT_FOUND.withDescription("no budget rule " + id + " (set one with SetBudget or"
                        + " llmops.cost.budgets.rules)").asRuntimeException();
            }
            Instant now = Instant.now();
            BudgetPolicy.Rule rule = policy.rules().get(id);
            BudgetRule proto = rule != null ? toProto(id, rule)
                    : toProto(id, new BudgetPolicy.Rule(b.period(), b.limitNanos(), b.hard(), BudgetPolicy.Rule.CONFIG));
            return store.counter(store.budgetKey(tenant, b, now)).map(c -> GetBudgetResponse.newBuilder()
                    .setRule(proto).setPeriodTag(b.period().tag(now)).setSpentNanosUsd(c[0])
                    .setReservedNanosUsd(Math.max(0, c[1])).setLimitNanosUsd(b.limitNanos()).build());
        }).onFailure(BudgetAdminService::notStatus).transform(e -> unavailable(e, "read the budget counter"));
    }

    static BudgetRule toProto(String id, BudgetPolicy.Rule r) {
        return BudgetRule.newBuilder().setBudgetId(id)
                .setLimitUsd(r.limitNanos() == Budget.UNLIMITED ? "unlimited" : Money.usd(r.limitNanos()))
                .setPeriod(switch (r.period()) {
                    case TOTAL -> BudgetPeriod.BUDGET_PERIOD_TOTAL;
                    case DAILY -> BudgetPeriod.BUDGET_PERIOD_DAILY;
                    case MONTHLY -> BudgetPeriod.BUDGET_PERIOD_MONTHLY;
                }).setSoft(!r.hard()).setSource(r.source()).build();
    }

    private static boolean notStatus(Throwable e) {
        return !(e instanceof StatusRuntimeException || e instanceof StatusException);
    }

    private static Throwable unavailable(Throwable e, String what) {
        return Status.UNAVAILABLE.withDescription("cannot " + what + " (PostgreSQL or Redis unavailable); retry"
                + " later").withCause(e).asRuntimeException();
    }
}
