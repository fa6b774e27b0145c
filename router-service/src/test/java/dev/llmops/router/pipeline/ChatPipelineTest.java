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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
}
