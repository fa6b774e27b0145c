package dev.llmops.router.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI adapter against the local upstream over real HTTP. */
class OpenAiAdapterTest {
    static LocalUpstream upstream;
    static Vertx vertx;
    static OpenAiAdapter adapter;

    @BeforeAll
    static void start() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults());
        vertx = Vertx.vertx();
        adapter = new OpenAiAdapter(vertx);
    }

    @AfterAll
    static void stop() {
        upstream.close();
        vertx.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        upstream.behave(UpstreamBehaviour.defaults());
    }

    static ProviderCall call(Duration timeout) {
        return call(new Route("local-echo", "openai", upstream.baseUrl(), "local-echo", "sk-upstream", timeout));
    }

    static ProviderCall call(Route route) {
        return new ProviderCall(route, List.of(
                ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("be brief").build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("what is two plus two").build()),
                GenerationParameters.newBuilder().setTemperature(0.2).setMaxTokens(50).addStop("END").build(), "user-7");
    }

    static void behave(JsonObject change) {
        upstream.behave(upstream.behaviour().with(change));
    }

    static Status.Code failureCode(Runnable r) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, r::run);
        return e.getStatus().getCode();
    }

    @Test
    void completeSendsTheRequestInOpenAiShapeAndReadsAnswerAndUsage() {
        behave(new JsonObject().put("answer", "four").put("prompt_tokens", 21).put("completion_tokens", 1));
        ChatResult r = adapter.complete(call(Duration.ofSeconds(5))).await().atMost(Duration.ofSeconds(5));
        assertEquals("four", r.content());
        assertEquals("stop", r.finishReason());
        assertEquals(21, r.usage().getPromptTokens());
        assertEquals(1, r.usage().getCompletionTokens());
        JsonObject seen = upstream.recentRequests().get(0);
        assertEquals("Bearer sk-upstream", seen.getString("authorization"));
        JsonObject body = seen.getJsonObject("body");
        assertEquals("local-echo", body.getString("model"));
        assertEquals(0.2, body.getDouble("temperature"));
        assertEquals(50, body.getInteger("max_tokens"));
        assertEquals("END", body.getJsonArray("stop").getString(0));
        assertEquals("user-7", body.getString("user"));
        assertEquals("system", body.getJsonArray("messages").getJsonObject(0).getString("role"));
    }

    @Test
    void streamDeliversDeltasAndExactUsageEvenUnasked() {
        behave(new JsonObject().put("answer", "the answer is four").put("completion_tokens", 9));
        List<String> deltas = new ArrayList<>();
        ChatResult r = adapter.stream(call(Duration.ofSeconds(5)), deltas::add).await().atMost(Duration.ofSeconds(5));
        assertEquals("the answer is four", String.join("", deltas));
        assertEquals("the answer is four", r.content());
        assertEquals(9, r.usage().getCompletionTokens());
        JsonObject body = upstream.recentRequests().get(0).getJsonObject("body");
        assertTrue(body.getJsonObject("stream_options").getBoolean("include_usage"));
    }

    @Test
    void upstreamRateLimitIsResourceExhaustedWithRetryAfter() {
        behave(new JsonObject().put("error_rate", 1.0).put("error_status", 429).put("retry_after_seconds", 3));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> adapter.complete(call(Duration.ofSeconds(5))).await().atMost(Duration.ofSeconds(5)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("retry after 3"), e.getStatus().getDescription());
    }

    @Test
    void upstreamServerErrorIsUnavailableWithItsMessage() {
        behave(new JsonObject().put("error_rate", 1.0).put("error_status", 500));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> adapter.stream(call(Duration.ofSeconds(5)), d -> { }).await().atMost(Duration.ofSeconds(5)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("injected upstream error"));
    }

    @Test
    void anUpstreamPastTheDeadlineIsDeadlineExceeded() {
        behave(new JsonObject().put("latency_ms", 2000));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, failureCode(
                () -> adapter.complete(call(Duration.ofMillis(200))).await().atMost(Duration.ofSeconds(5))));
    }

    @Test
    void aRefusedConnectionIsUnavailable() {
        Route nowhere = new Route("down", "openai", "http://127.0.0.1:1/v1", "local-echo", "", Duration.ofSeconds(2));
        assertEquals(Status.Code.UNAVAILABLE, failureCode(
                () -> adapter.complete(call(nowhere)).await().atMost(Duration.ofSeconds(5))));
    }

    @Test
    void aStreamCutMidAnswerFailsAfterTheDeltasItSent() {
        behave(new JsonObject().put("answer", "one two three four").put("cut_after_chunks", 3).put("chunk_delay_ms", 5));
        List<String> deltas = new ArrayList<>();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> adapter.stream(call(Duration.ofSeconds(5)), deltas::add).await().atMost(Duration.ofSeconds(5)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("one two", String.join("", deltas));
    }
}
