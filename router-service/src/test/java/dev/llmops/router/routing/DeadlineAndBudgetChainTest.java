package dev.llmops.router.routing;

import static dev.llmops.router.routing.RoutingHarness.call;
import static dev.llmops.router.routing.RoutingHarness.plan;
import static dev.llmops.router.routing.RoutingHarness.retry;
import static dev.llmops.router.routing.RoutingHarness.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.client.Budgets;
import dev.llmops.router.pipeline.BudgetStep;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.cost.v1.ModelPrice;
import llmops.cost.v1.PriceVersion;
import llmops.cost.v1.ReleaseRequest;
import llmops.cost.v1.ReleaseResponse;
import llmops.cost.v1.ReserveRequest;
import llmops.cost.v1.ReserveResponse;
import llmops.cost.v1.SettleRequest;
import llmops.cost.v1.SettleResponse;
import llmops.router.v1.ChatRequest;
import org.junit.jupiter.api.Test;

/**
 * The overall deadline across retries and fallbacks, and the budget re-reserving when the chain moves to a target
 * of another model; over real HTTP to local upstreams (breakers off).
 */
class DeadlineAndBudgetChainTest extends TwoUpstreams {

    static long deadlineIn(long ms) {
        return System.nanoTime() + ms * 1_000_000;
    }

    @Test
    void theDeadlineBoundsTheWholeChainAndNamesEveryAttempt() {
        behave(a, new JsonObject().put("latency_ms", 3000));
        behave(b, new JsonObject().put("latency_ms", 3000));
        // each target alone may take 2 s: without an overall bound this request would run 4 s
        RoutePlan plan = plan(retry(2), target(a, "model-a", 0, Duration.ofSeconds(2)), target(b, "model-b", 1, Duration.ofSeconds(2)));
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> executor.execute(plan, call("hi"),
                null, d -> { }, deadlineIn(500), ChatExchange.TargetGate.NONE).await().atMost(WAIT));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        String d = e.getStatus().getDescription();
        assertTrue(d.startsWith("route 'chat': the request's deadline passed"), d);
        assertTrue(d.contains("after 1 attempt: [1] openai model-a @ " + a.baseUrl()), d);
        assertTrue(tookMs >= 450 && tookMs < 1500, "ended at the 500 ms deadline, not after 2 s: " + tookMs + " ms");
        assertEquals(0, b.completions(), "no time was left for the fallback");
    }

    @Test
    void theRoutesTotalTimeoutBoundsTheChainAsTheCallersDeadlineDoes() {
        behave(a, new JsonObject().put("latency_ms", 400));
        behave(b, new JsonObject().put("latency_ms", 3000));
        RoutePlan plan = plan(retry(1), target(a, "model-a", 0, Duration.ofMillis(300)),
                target(b, "model-b", 1, Duration.ofSeconds(2))).withTotalTimeout(Duration.ofMillis(700));
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> executor.execute(plan, call("hi"), null, d -> { }).await().atMost(WAIT));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        String d = e.getStatus().getDescription();
        assertTrue(d.contains("after 2 attempts: [1] openai model-a") && d.contains("[2] openai model-b"), d);
        assertTrue(tookMs >= 650 && tookMs < 1800, "the fallback got what was left of 700 ms: " + tookMs + " ms");
        assertEquals(1, b.completions(), "the fallback was tried with the time left");
    }

    @Test
    void aBackoffLongerThanTheTimeLeftFallsBackAtOnce() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 429)
                .put("retry_after_seconds", 2));
        RoutePlan plan = plan(retry(3), target(a, "model-a", 0, Duration.ofSeconds(5)), target(b, "model-b", 1, Duration.ofSeconds(5)));
        long start = System.nanoTime();
        ChatResult r = executor.execute(plan, call("hi"), null, d -> { }, deadlineIn(1500), ChatExchange.TargetGate.NONE)
                .await().atMost(WAIT);
        assertEquals("from b", r.content());
        assertEquals(1, a.completions(), "a 2 s Retry-After does not fit in 1.5 s: no retry");
        assertTrue((System.nanoTime() - start) / 1_000_000 < 1400);
    }

    /** The cost-service's budget calls, recorded; Reserve refuses the models in {@code refused}. */
    static final class RecordingBudgets implements Budgets {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();
        final List<ReserveRequest> reserves = new CopyOnWriteArrayList<>();
        volatile boolean failOpen;

        @Override
        public Uni<ReserveResponse> reserve(ReserveRequest request) {
            calls.add((request.getReplace() ? "replace with " : "reserve ") + request.getModel());
            reserves.add(request);
            if (refused.contains(request.getModel())) {
                return Uni.createFrom().failure(Status.RESOURCE_EXHAUSTED.withDescription("budget of key k exhausted: "
                        + "this request needs up to $1.00").asRuntimeException());
            }
            // USD per million tokens: 1 / 2 for cheap-model, 3 / 4 for any other
            boolean cheap = request.getModel().equals("cheap-model");
            return Uni.createFrom().item(ReserveResponse.newBuilder().setReservedNanosUsd(1).setFailOpen(failOpen)
                    .setPrice(PriceVersion.newBuilder().setModel(request.getModel()).setPrice(ModelPrice.newBuilder()
                            .setInputUsdPerMtok(cheap ? "1" : "3").setOutputUsdPerMtok(cheap ? "2" : "4")))
                    .build());
        }

        @Override
        public Uni<SettleResponse> settle(SettleRequest request) {
            calls.add("settle " + request.getModel());
            return Uni.createFrom().item(SettleResponse.newBuilder().setCostNanosUsd(7).build());
        }

        @Override
        public Uni<ReleaseResponse> release(ReleaseRequest request) {
            calls.add("release");
            return Uni.createFrom().item(ReleaseResponse.getDefaultInstance());
        }
    }

    ChatExchange exchange(RoutePlan plan) {
        ChatExchange ex = new ChatExchange("req-1", Caller.newBuilder().setTenantId("t").build(),
                ChatRequest.getDefaultInstance(), plan.primary(), false);
        ex.plan(plan);
        return ex;
    }

    Uni<ChatResult> runChain(ChatExchange ex) {
        return executor.execute(ex.plan(), call("hi"), null, d -> ex.served(d.route()), ex.deadlineNanos(), ex.targetGate());
    }

    /** cheap-model's upstream fails with 500s, dear-model's answers; the step's hooks run around the chain. */
    ChatExchange fallBackToTheDearModel(BudgetStep step, long deadlineMs) {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        ChatExchange ex = exchange(plan(retry(1), target(a, "cheap-model", 0, Duration.ofSeconds(5)),
                target(b, "dear-model", 1, Duration.ofSeconds(5))));
        if (deadlineMs > 0) {
            ex.deadlineAfter(deadlineMs);
        }
        step.before(ex).await().atMost(WAIT);
        ChatResult r = runChain(ex).await().atMost(WAIT);
        assertEquals("from b", r.content());
        ex.providerResult(r);
        step.after(ex).await().atMost(WAIT);
        return ex;
    }

    @Test
    void aFallbackToAnotherModelIsReservedAgainBeforeItIsCalled() {
        RecordingBudgets budgets = new RecordingBudgets();
        fallBackToTheDearModel(new BudgetStep(budgets, 100), 20_000);
        assertEquals(List.of("reserve cheap-model", "replace with dear-model", "settle dear-model"), budgets.calls,
                "one atomic swap of the reservation, never a Release then a Reserve");
        long ttl = budgets.reserves.get(0).getReservationTtlMs();
        assertTrue(ttl > 45_000 && ttl <= 50_000, "the deadline (20 s) plus 30 s of slack: " + ttl);
    }

    @Test
    void withTheUsageEventTheAnswerIsPricedAtTheSwappedReservationsPriceWithoutASettleCall() {
        RecordingBudgets budgets = new RecordingBudgets();
        ChatExchange ex = fallBackToTheDearModel(new BudgetStep(budgets, 100, true), 0);
        assertEquals(List.of("reserve cheap-model", "replace with dear-model"), budgets.calls);
        assertTrue(ex.settleInUsageEvent());
        assertEquals(ex.startedUnixMs(), budgets.reserves.get(0).getOccurredUnixMs(), "priced at the arrival");
        assertEquals(ex.startedUnixMs(), budgets.reserves.get(1).getOccurredUnixMs());
        TokenUsage u = ex.providerResult().usage();
        assertTrue(u.getPromptTokens() > 0 && u.getCompletionTokens() > 0);
        assertEquals(u.getPromptTokens() * 3_000 + u.getCompletionTokens() * 4_000, ex.costNanos(),
                "dear-model's price (3 / 4 USD per million tokens), not cheap-model's");
    }

    @Test
    void anAnswerWithoutUsageOrAFailedOpenReservationIsSettledByACall() {
        RoutePlan plan = plan(retry(1), target(b, "dear-model", 0, Duration.ofSeconds(5)));
        for (boolean failOpen : new boolean[] {false, true}) {
            RecordingBudgets budgets = new RecordingBudgets();
            budgets.failOpen = failOpen;
            BudgetStep step = new BudgetStep(budgets, 100, true);
            ChatExchange ex = exchange(plan);
            step.before(ex).await().atMost(WAIT);
            ChatResult r = runChain(ex).await().atMost(WAIT);
            // without failOpen: as an upstream that reported no usage (the cost-service counts it)
            ex.providerResult(failOpen ? r : new ChatResult(r.content(), r.finishReason(),
                    TokenUsage.getDefaultInstance(), r.model(), r.toolCalls()));
            step.after(ex).await().atMost(WAIT);
            assertEquals(List.of("reserve dear-model", "settle dear-model"), budgets.calls, "fail open " + failOpen);
            assertEquals(7, ex.costNanos(), "the cost the Settle answered");
            assertFalse(ex.settleInUsageEvent());
        }
    }

    @Test
    void aRequestThatBoughtNoAnswerIsReleasedByItsUsageEventOrElseByACall() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        RoutePlan plan = plan(retry(1), target(a, "cheap-model", 0, Duration.ofSeconds(5)));
        for (boolean inEvent : new boolean[] {true, false}) {
            RecordingBudgets budgets = new RecordingBudgets();
            BudgetStep step = new BudgetStep(budgets, 100, inEvent);
            ChatExchange ex = exchange(plan);
            step.before(ex).await().atMost(WAIT);
            assertThrows(StatusRuntimeException.class, () -> runChain(ex).await().atMost(WAIT));
            step.after(ex).await().atMost(WAIT); // the provider failed: no answer bought
            assertEquals(inEvent ? List.of("reserve cheap-model") : List.of("reserve cheap-model", "release"),
                    budgets.calls, "release in the event " + inEvent);
            assertEquals(inEvent, ex.releaseInUsageEvent());
            assertFalse(ex.settleInUsageEvent());
        }
    }

    @Test
    void aFallbackTheBudgetCannotCoverIsNeverCalled() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 503));
        RoutePlan plan = plan(retry(1), target(a, "cheap-model", 0, Duration.ofSeconds(5)),
                target(b, "dear-model", 1, Duration.ofSeconds(5)));
        RecordingBudgets budgets = new RecordingBudgets();
        budgets.refused.add("dear-model");
        ChatExchange ex = exchange(plan);
        new BudgetStep(budgets, 100).before(ex).await().atMost(WAIT);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> runChain(ex).await().atMost(WAIT));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        String d = e.getStatus().getDescription();
        assertTrue(d.startsWith("budget of key k exhausted") && d.contains("while falling back on route 'chat' after: "
                + "[1] openai cheap-model @ " + a.baseUrl()), d);
        assertEquals(0, b.completions(), "the dearer model was not called without a reservation");
        assertEquals(0, budgets.reserves.get(0).getReservationTtlMs(), "no deadline: the cost-service's default TTL");
    }

    @Test
    void theSameModelOnAnotherDeploymentKeepsItsReservation() {
        behave(a, new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        RoutePlan plan = plan(retry(1), target(a, "same-model", 0, Duration.ofSeconds(5)),
                target(b, "same-model", 1, Duration.ofSeconds(5)));
        RecordingBudgets budgets = new RecordingBudgets();
        ChatExchange ex = exchange(plan);
        new BudgetStep(budgets, 100).before(ex).await().atMost(WAIT);
        assertEquals("from b", runChain(ex).await().atMost(WAIT).content());
        assertEquals(List.of("reserve same-model"), budgets.calls);
    }

    @Test
    void anAttemptGetsOnlyWhatIsLeftOfTheDeadline() {
        Route r = new Route("chat", "openai", "http://x", "m", "", Duration.ofSeconds(60));
        assertEquals(Duration.ofMillis(300), r.withTimeout(Duration.ofMillis(300)).timeout());
        assertEquals(r, r.withTimeout(Duration.ofSeconds(90)));
    }
}
