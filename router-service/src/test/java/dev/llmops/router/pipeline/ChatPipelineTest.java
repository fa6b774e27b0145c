package dev.llmops.router.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;
import llmops.router.v1.ChatRequest;
import org.junit.jupiter.api.Test;

class ChatPipelineTest {
    final List<String> trace = new ArrayList<>();

    ChatExchange exchange() {
        return new ChatExchange("r1", Caller.getDefaultInstance(), ChatRequest.getDefaultInstance(),
                new Route("m", "openai", "http://x", "m", "", Duration.ofSeconds(1)), false);
    }

    ChatStep step(String name, ChatResult shortCircuit) {
        return new ChatStep() {
            @Override
            public Uni<ChatResult> before(ChatExchange ex) {
                trace.add("before " + name);
                return Uni.createFrom().item(shortCircuit);
            }

            @Override
            public Uni<Void> after(ChatExchange ex) {
                trace.add("after " + name + (ex.failure() != null ? " (failed)" : ""));
                return Uni.createFrom().voidItem();
            }
        };
    }

    static ChatResult answer(String text) {
        return new ChatResult(text, "stop", TokenUsage.getDefaultInstance(), "m");
    }

    @Test
    void preHooksInOrderPostHooksReversedAroundTheProvider() {
        ChatPipeline p = new ChatPipeline(List.of(step("a", null), step("b", null)));
        ChatExchange ex = exchange();
        ChatResult r = p.run(ex, e -> {
            trace.add("provider");
            return Uni.createFrom().item(answer("hi"));
        }).await().atMost(Duration.ofSeconds(1));
        assertEquals("hi", r.content());
        assertSame(r, ex.providerResult());
        assertEquals(List.of("before a", "before b", "provider", "after b", "after a"), trace);
    }

    /** A call that records "<what> started" and waits until the test completes it (or fails it) under its name. */
    <T> Uni<T> waiting(String what, String name, Map<String, UniEmitter<? super T>> pending) {
        return Uni.createFrom().emitter(em -> {
            trace.add(what + " started");
            pending.put(name, em);
        });
    }

    /** A step whose after waits (see {@link #waiting}). */
    ChatStep waitingAfter(String name, Map<String, UniEmitter<? super Void>> pending) {
        return new ChatStep() {
            @Override
            public Uni<Void> after(ChatExchange ex) {
                return waiting("after " + name, name, pending);
            }
        };
    }

    @Test
    void parallelAftersBothStartBeforeEitherEndsAndTheOuterStepSeesBoth() throws Exception {
        var pending = new ConcurrentHashMap<String, UniEmitter<? super Void>>();
        ChatPipeline p = new ChatPipeline(List.of(step("outer", null),
                new ParallelAfter(waitingAfter("settle", pending), waitingAfter("check", pending))));
        var done = p.run(exchange(), e -> Uni.createFrom().item(answer("hi"))).subscribeAsCompletionStage();
        assertEquals(List.of("before outer", "after settle started", "after check started"), trace);
        pending.get("check").complete(null);
        assertEquals(false, done.isDone(), "the pipeline waits for the slower call");
        pending.get("settle").complete(null);
        assertEquals("hi", done.get(1, TimeUnit.SECONDS).content());
        assertEquals("after outer", trace.get(trace.size() - 1));
    }

    @Test
    void aFailedParallelAfterFailsTheRequestOnlyOnceTheOtherHasEnded() {
        var pending = new ConcurrentHashMap<String, UniEmitter<? super Void>>();
        ChatPipeline p = new ChatPipeline(List.of(step("outer", null),
                new ParallelAfter(waitingAfter("settle", pending), waitingAfter("check", pending))));
        var done = p.run(exchange(), e -> Uni.createFrom().item(answer("hi"))).subscribeAsCompletionStage();
        pending.get("check").fail(Status.UNAVAILABLE.withDescription("guardrail down").asRuntimeException());
        assertEquals(false, done.isDone(), "the settle still runs to its end");
        pending.get("settle").complete(null);
        var e = assertThrows(ExecutionException.class, () -> done.get(1, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e.getCause()).getCode());
        assertEquals("after outer (failed)", trace.get(trace.size() - 1));
    }

    @Test
    void aShortCircuitSkipsLaterStepsAndTheProvider() {
        ChatPipeline p = new ChatPipeline(List.of(step("a", null), step("b", answer("cached")), step("c", null)));
        ChatExchange ex = exchange();
        ChatResult r = p.run(ex, e -> {
            trace.add("provider");
            return Uni.createFrom().item(answer("fresh"));
        }).await().atMost(Duration.ofSeconds(1));
        assertEquals("cached", r.content());
        assertEquals(null, ex.providerResult());
        assertEquals(List.of("before a", "before b", "after b", "after a"), trace);
    }

    @Test
    void aProviderFailureRunsEveryPostHookThenFails() {
        ChatPipeline p = new ChatPipeline(List.of(step("a", null), step("b", null)));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> p.run(exchange(),
                ex -> Uni.createFrom().failure(Status.UNAVAILABLE.withDescription("down").asRuntimeException()))
                .await().atMost(Duration.ofSeconds(1)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(List.of("before a", "before b", "after b (failed)", "after a (failed)"), trace);
    }

    @Test
    void aFailedPreHookSkipsItsOwnPostHookButNotOuterOnes() {
        ChatStep refusing = new ChatStep() {
            @Override
            public Uni<ChatResult> before(ChatExchange ex) {
                return Uni.createFrom().failure(Status.RESOURCE_EXHAUSTED.asRuntimeException());
            }

            @Override
            public Uni<Void> after(ChatExchange ex) {
                trace.add("after refusing");
                return Uni.createFrom().voidItem();
            }
        };
        ChatPipeline p = new ChatPipeline(List.of(step("a", null), refusing));
        assertThrows(StatusRuntimeException.class, () -> p.run(exchange(), ex -> Uni.createFrom().item(answer("x")))
                .await().atMost(Duration.ofSeconds(1)));
        assertEquals(List.of("before a", "after a (failed)"), trace);
    }

    @Test
    void aPostHookMayReplaceTheAnswer() {
        ChatStep redacting = new ChatStep() {
            @Override
            public Uni<Void> after(ChatExchange ex) {
                ex.result(ex.result().withContent("redacted"));
                return Uni.createFrom().voidItem();
            }
        };
        ChatPipeline p = new ChatPipeline(List.of(step("a", null), redacting));
        ChatResult r = p.run(exchange(), ex -> Uni.createFrom().item(answer("secret"))).await().atMost(Duration.ofSeconds(1));
        assertEquals("redacted", r.content());
    }

    /** A step whose before waits (see {@link #waiting}); its after records whether an answer was bought. */
    ChatStep waitingBefore(String name, Map<String, UniEmitter<? super ChatResult>> pending) {
        return new ChatStep() {
            @Override
            public Uni<ChatResult> before(ChatExchange ex) {
                return waiting("before " + name, name, pending);
            }

            @Override
            public Uni<Void> after(ChatExchange ex) {
                trace.add("after " + name + (ex.providerResult() == null ? " (no answer bought)" : ""));
                return Uni.createFrom().voidItem();
            }
        };
    }

    @Test
    void anEarlyStartRunsAlongsideTheStepsBetweenAndIsAwaitedAtItsOwnPlace() throws Exception {
        var pending = new ConcurrentHashMap<String, UniEmitter<? super ChatResult>>();
        EarlyStart reserve = new EarlyStart(waitingBefore("reserve", pending));
        ChatPipeline p = new ChatPipeline(List.of(reserve.start(), waitingBefore("check", pending), reserve.await()));
        var done = p.run(exchange(), e -> {
            trace.add("provider");
            return Uni.createFrom().item(answer("hi"));
        }).subscribeAsCompletionStage();
        assertEquals(List.of("before reserve started", "before check started"), trace, "both calls run at once");
        pending.get("check").complete(null);
        assertEquals(false, trace.contains("provider"), "the provider waits for the reservation");
        pending.get("reserve").complete(null);
        assertEquals("hi", done.get(1, TimeUnit.SECONDS).content());
        assertEquals(List.of("before reserve started", "before check started", "provider", "after reserve",
                "after check"), trace);
    }

    @Test
    void aRequestAnsweredBeforeTheEarlyStepsPlaceRunsItsAfterWithoutWaitingForIt() throws Exception {
        var pending = new ConcurrentHashMap<String, UniEmitter<? super ChatResult>>();
        EarlyStart reserve = new EarlyStart(waitingBefore("reserve", pending));
        ChatPipeline p = new ChatPipeline(List.of(reserve.start(), step("cache", answer("cached")), reserve.await()));
        ChatExchange ex = exchange();
        var done = p.run(ex, e -> Uni.createFrom().item(answer("fresh"))).subscribeAsCompletionStage();
        assertEquals("cached", done.get(1, TimeUnit.SECONDS).content(), "the hit does not wait for the reservation");
        assertEquals(false, trace.contains("after reserve (no answer bought)"));
        // the release still to come is the exchange's late work, which the usage event waits for
        var late = ex.lateWork().subscribeAsCompletionStage();
        assertEquals(false, late.isDone());
        pending.get("reserve").complete(null);
        late.get(1, TimeUnit.SECONDS);
        assertEquals("after reserve (no answer bought)", trace.get(trace.size() - 1), "what was reserved is released");
    }

    @Test
    void anEarlyFailureFailsTheRequestAtTheStepsOwnPlaceUnlessAStepBeforeItAnswered() throws Exception {
        var pending = new ConcurrentHashMap<String, UniEmitter<? super ChatResult>>();
        EarlyStart reserve = new EarlyStart(waitingBefore("reserve", pending));
        ChatPipeline miss = new ChatPipeline(List.of(reserve.start(), step("cache", null), reserve.await()));
        var failed = miss.run(exchange(), e -> Uni.createFrom().item(answer("fresh"))).subscribeAsCompletionStage();
        pending.remove("reserve").fail(Status.RESOURCE_EXHAUSTED.withDescription("budget spent").asRuntimeException());
        var e = assertThrows(ExecutionException.class, () -> failed.get(1, TimeUnit.SECONDS));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(e.getCause()).getCode());

        ChatPipeline hit = new ChatPipeline(List.of(reserve.start(), step("cache", answer("cached")), reserve.await()));
        var served = hit.run(exchange(), ex -> Uni.createFrom().item(answer("fresh"))).subscribeAsCompletionStage();
        pending.remove("reserve").fail(Status.RESOURCE_EXHAUSTED.withDescription("budget spent").asRuntimeException());
        assertEquals("cached", served.get(1, TimeUnit.SECONDS).content(), "a cached answer costs nothing");
        assertEquals(false, trace.stream().anyMatch(t -> t.startsWith("after reserve")), "nothing reserved, nothing released");
    }
}
