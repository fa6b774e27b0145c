package dev.llmops.cost.service;

import dev.llmops.cost.Budget;
import dev.llmops.cost.Money;
import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.messaging.BudgetAlertPublisher;
import dev.llmops.cost.repository.BudgetStore;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;
import llmops.events.v1.BudgetAlert;
import llmops.events.v1.UsageEvent;

/**
 * Reserve, Settle and Release against every budget that applies (tenant, team, key, end user) in one atomic
 * Redis step. When Redis is unreachable the configured policy decides: fail closed (UNAVAILABLE) or fail open
 * (the request goes through unreserved and the exposure is logged and counted).
 */
@ApplicationScoped
public class BudgetService {
    static final long MAX_TTL_MS = 24L * 3600 * 1000;
    static final int EVENT_SETTLE_CONCURRENCY = 16;
    private final PriceCatalog prices;
    private final BudgetPolicy policy;
    private final BudgetStore store;
    private final TokenCounter tokens;
    private final BudgetAlertPublisher alerts;
    private final boolean failOpen;
    private final Counter failOpenCount;
    private final Counter failOpenExposure;
    private final Counter eventSettled;
    private final Counter eventSettleRefused;
    private final Counter eventReleased;

    public BudgetService(PriceCatalog prices, BudgetPolicy policy, BudgetStore store, TokenCounter tokens,
            BudgetAlertPublisher alerts, CostConfig config, MeterRegistry registry) {
        this.prices = prices;
        this.policy = policy;
        this.store = store;
        this.tokens = tokens;
        this.alerts = alerts;
        String p = config.redisFailurePolicy().trim().toLowerCase(Locale.ROOT);
        if (!p.equals("fail-open") && !p.equals("fail-closed")) {
            throw new IllegalStateException("llmops.cost.redis-failure-policy must be fail-open or fail-closed; got "
                    + config.redisFailurePolicy());
        }
        this.failOpen = p.equals("fail-open");
        this.failOpenCount = registry.counter("llmops.cost.fail.open.requests");
        this.failOpenExposure = registry.counter("llmops.cost.fail.open.exposure.nanos.usd");
        this.eventSettled = registry.counter("llmops.cost.event.settles", "result", "settled");
        this.eventSettleRefused = registry.counter("llmops.cost.event.settles", "result", "refused");
        this.eventReleased = registry.counter("llmops.cost.event.settles", "result", "released");
    }

    public boolean failsOpen() {
        return failOpen;
    }

    static String team(Caller c) {
        return c.getTagsOrDefault(BudgetPolicy.TEAM_TAG, "");
    }

    List<Budget> budgets(Caller c) {
        return policy.budgetsFor(c.getTenantId(), team(c), c.getKeyId(), c.getUserId());
    }

    @WithSpan("cost.reserve")
    public Uni<ReserveResponse> reserve(ReserveRequest request) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", request.getRequestId());
            RequestValidation.requireCaller(request.hasCaller(), request.getCaller());
            RequestValidation.requireModel(request.getModel());
            RequestValidation.requireNonNegative("prompt_tokens", request.getPromptTokens());
            RequestValidation.requireNonNegative("max_completion_tokens", request.getMaxCompletionTokens());
            RequestValidation.requireNonNegative("reservation_ttl_ms", request.getReservationTtlMs());
            if (request.getReservationTtlMs() > MAX_TTL_MS) {
                throw RequestValidation.invalid("reservation_ttl_ms must be at most " + MAX_TTL_MS + " (24 h)");
            }
            RequestValidation.requireNonNegative("occurred_unix_ms", request.getOccurredUnixMs());
            Caller c = request.getCaller();
            Instant now = Instant.now();
            Instant ran = request.getOccurredUnixMs() > 0 ? Instant.ofEpochMilli(request.getOccurredUnixMs()) : now;
            PriceVersion price = prices.require(c.getTenantId(), request.getModel(), ran);
            llmops.cost.v1.PriceVersion shown = PriceCodec.toProtoMemoised(price);
            long worst = Pricing.worstCaseNanos(price, request.getPromptTokens(),
                    request.getMaxCompletionTokens());
            List<Budget> budgets = budgets(c);
            return store.reserve(c.getTenantId(), request.getRequestId(), worst, budgets, now,
                    request.getReservationTtlMs(), request.getReplace()).map(r -> {
                long code = r.get(0);
                if (code == 0) {
                    throw exhausted(budgets.get((int) r.get(2) - 1), now, r.get(3), r.get(4), r.get(1));
                }
                return ReserveResponse.newBuilder()
                        .setReservedNanosUsd(code == 3 ? 0 : r.get(1))
                        .setRemainingNanosUsd(remaining(budgets, r, 2, 2))
                        .setPrice(shown)
                        .build();
            }).onFailure(BudgetService::isStoreFailure).recoverWithUni(e -> {
                if (!failOpen) {
                    return Uni.createFrom().failure(unavailable(e, "reserve"));
                }
                failOpenCount.increment();
                failOpenExposure.increment(worst);
                Log.warnf("FAIL-OPEN: Redis unreachable (%s); request %s of tenant %s key %s let through without a"
                        + " reservation, exposure up to $%s", e.toString(), request.getRequestId(), c.getTenantId(),
                        c.getKeyId(), Money.usd(worst));
                return Uni.createFrom().item(ReserveResponse.newBuilder().setReservedNanosUsd(0)
                        .setRemainingNanosUsd(-1).setFailOpen(true).setPrice(shown).build());
            });
        });
    }

    private static StatusRuntimeException exhausted(Budget b, Instant now, long spent, long reserved, long needs) {
        Instant reset = b.period().resetsAt(now);
        String what = b.scope().equals("key") && b.period() == Budget.Period.TOTAL && b.id().startsWith("key/")
                ? "budget of key " + b.id().substring(4) : "budget " + b.id() + " (" + b.period().tag(now) + ")";
        return Status.RESOURCE_EXHAUSTED.withDescription(what + " exhausted: limit $" + Money.usd(b.limitNanos())
                + ", spent $" + Money.usd(spent) + ", reserved $" + Money.usd(reserved)
                + ", this request needs up to $" + Money.usd(needs)
                + (reset == null ? "; raise the limit (llmops.cost.budgets) or lower max_completion_tokens"
                        : "; it resets at " + reset + " (retry after "
                                + Math.max(1, reset.getEpochSecond() - now.getEpochSecond())
                                + " s), or raise the limit or lower max_completion_tokens"))
                .asRuntimeException();
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
            RequestValidation.requireNonNegative("occurred_unix_ms", request.getOccurredUnixMs());
            Caller c = request.getCaller();
            TokenUsage usage = counted(request);
            Instant now = Instant.now();
            Instant ran = request.getOccurredUnixMs() > 0 ? Instant.ofEpochMilli(request.getOccurredUnixMs()) : now;
            long cost = Pricing.costNanos(prices.require(c.getTenantId(), request.getModel(), ran), usage);
            List<Budget> budgets = budgets(c);
            return store.settle(c.getTenantId(), request.getRequestId(), cost, budgets, now).map(r -> {
                if (r.get(0) == 2 && r.get(1) != cost) {
                    Log.warnf("request %s settled again with a different cost (%d, first %d); kept the first",
                            request.getRequestId(), cost, r.get(1));
                }
                if (r.get(0) == 1) {
                    for (int i = 0; i < budgets.size(); i++) {
                        int crossed = (int) r.get(4 + 3 * i);
                        if (crossed > 0) {
                            alert(c, budgets.get(i), now, r.get(2 + 3 * i), crossed, request.getRequestId());
                        }
                    }
                }
                return SettleResponse.newBuilder().setCostNanosUsd(r.get(1))
                        .setRemainingNanosUsd(remaining(budgets, r, 2, 3)).setUsage(usage).build();
            }).onFailure(BudgetService::isStoreFailure).recoverWithUni(e -> {
                if (!failOpen) {
                    return Uni.createFrom().failure(unavailable(e, "settle"));
                }
                Log.warnf("FAIL-OPEN: Redis unreachable (%s); request %s of tenant %s settled at $%s without"
                        + " counting it against its budgets (the ledger still records it)", e.toString(),
                        request.getRequestId(), c.getTenantId(), Money.usd(cost));
                return Uni.createFrom().item(SettleResponse.newBuilder().setCostNanosUsd(cost)
                        .setRemainingNanosUsd(-1).setUsage(usage).build());
            });
        });
    }

    /**
     * Settles the budgets of the usage events whose router made no Settle call ({@code settle_budget}), each exactly
     * as a Settle of its served model, usage and start would (alerts included; idempotent per request id, so an
     * event delivered again counts once), and releases the reservations of those whose router made no Release call
     * ({@code release_budget}, as a Release would), at most {@value #EVENT_SETTLE_CONCURRENCY} at a time; other events
     * are skipped. Fails when the budget store is unavailable under the fail-closed policy (the consumer then
     * delivers the batch again); an event the Settle refuses (its model lost its price) is logged and left to the
     * ledger, which marks it unpriced.
     */
    public Uni<Void> settleEvents(List<UsageEvent> events) {
        List<UsageEvent> marked = events.stream().filter(e -> e.getSettleBudget() || e.getReleaseBudget()).toList();
        if (marked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(marked)
                .onItem().transformToUni(e -> (e.getSettleBudget()
                        ? settle(settleRequest(e)).replaceWithVoid().invoke(() -> eventSettled.increment())
                        : release(ReleaseRequest.newBuilder().setRequestId(e.getRequestId()).setCaller(e.getCaller())
                                .build()).replaceWithVoid().invoke(() -> eventReleased.increment()))
                        .onFailure(f -> f instanceof StatusRuntimeException s
                                && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT)
                        .recoverWithItem(f -> {
                            eventSettleRefused.increment();
                            Log.errorf("usage event %s not settled against its budgets: %s", e.getRequestId(),
                                    f.getMessage());
                            return null;
                        }))
                .merge(EVENT_SETTLE_CONCURRENCY).collect().last().replaceWithVoid();
    }

    public static SettleRequest settleRequest(UsageEvent e) {
        return SettleRequest.newBuilder().setRequestId(e.getRequestId()).setCaller(e.getCaller())
                .setModel(e.getServedModel()).setUsage(e.getUsage()).setOccurredUnixMs(e.getOccurredUnixMs()).build();
    }

    /** The reported usage, or, when the upstream reported none and texts were sent, a local count (estimated). */
    private TokenUsage counted(SettleRequest request) {
        TokenUsage u = request.getUsage();
        boolean empty = u.getPromptTokens() == 0 && u.getCompletionTokens() == 0;
        if (!empty || (request.getPromptText().isEmpty() && request.getCompletionText().isEmpty())) {
            return u;
        }
        return TokenUsage.newBuilder().setPromptTokens(tokens.count(request.getModel(), request.getPromptText()))
                .setCompletionTokens(tokens.count(request.getModel(), request.getCompletionText()))
                .setEstimated(true).build();
    }

    private void alert(Caller c, Budget b, Instant now, long spent, int threshold, String requestId) {
        alerts.publish(BudgetAlert.newBuilder().setTenantId(c.getTenantId()).setScope(b.scope())
                .setBudgetId(b.id()).setPeriod(b.period().tag(now)).setLimitNanosUsd(b.limitNanos())
                .setSpentNanosUsd(spent).setThresholdPercent(threshold).setHard(b.hard())
                .setOccurredUnixMs(now.toEpochMilli()).setRequestId(requestId).build());
    }

    @WithSpan("cost.release")
    public Uni<ReleaseResponse> release(ReleaseRequest request) {
        return Uni.createFrom().deferred(() -> {
            RequestValidation.requireId("request_id", request.getRequestId());
            RequestValidation.requireCaller(request.hasCaller(), request.getCaller());
            return store.release(request.getCaller().getTenantId(), request.getRequestId())
                    .map(r -> ReleaseResponse.newBuilder().setReleasedNanosUsd(r.get(0)).build())
                    .onFailure(BudgetService::isStoreFailure).recoverWithUni(e -> failOpen
                            ? Uni.createFrom().item(ReleaseResponse.getDefaultInstance())
                            : Uni.createFrom().failure(unavailable(e, "release")));
        });
    }

    /**
     * The smallest remainder over the hard, limited budgets (-1 when none limits the request). Per budget i the
     * script answers spent at {@code first + stride*i} and reserved right after it.
     */
    private static long remaining(List<Budget> budgets, BudgetStore.ScriptResult r, int first, int stride) {
        long min = -1;
        for (int i = 0; i < budgets.size(); i++) {
            Budget b = budgets.get(i);
            int at = first + stride * i;
            if (!b.hard() || b.limitNanos() == Budget.UNLIMITED || at + 1 >= r.values().length) {
                continue;
            }
            long left = Math.max(0, b.limitNanos() - r.get(at) - r.get(at + 1));
            min = min < 0 ? left : Math.min(min, left);
        }
        return min;
    }

    private static boolean isStoreFailure(Throwable e) {
        return !(e instanceof StatusRuntimeException || e instanceof StatusException);
    }

    private static Throwable unavailable(Throwable e, String op) {
        Log.warnf("%s failed: budget store (Redis) unavailable: %s", op, e.toString());
        return Status.UNAVAILABLE.withDescription("budget store (Redis) unavailable, cannot " + op
                + " (the cost-service fails closed: llmops.cost.redis-failure-policy); retry later")
                .withCause(e).asRuntimeException();
    }
}
