package dev.llmops.router.provider;

import static dev.llmops.router.provider.ProvidersThroughRouterTest.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import dev.llmops.testsupport.IsolatedServersResource;
import dev.llmops.upstream.UpstreamBehaviour;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ChatStreamRequest;
import llmops.router.v1.ChatStreamResponse;
import llmops.router.v1.RouterServiceGrpc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a client of the router's two APIs sees when a route's behaviour matters: a stream cut after its first token,
 * every target failing with a Retry-After, a route that caps max_tokens and compacts prompts, and tiered routing.
 * The router runs pass-through in front of the local upstream (LocalUpstreamResource).
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
@QuarkusTestResource(LocalUpstreamResource.class)
class RouteBehaviourThroughRouterTest {
    static final String KEY = "sk-llmops-local-dev";
    static final String ANSWER = "one two three four five six seven eight nine ten eleven twelve";

    @GrpcClient("router")
    RouterServiceGrpc.RouterServiceBlockingStub router;

    @BeforeEach
    void reset() {
        LocalUpstreamResource.upstream.reset();
        LocalUpstreamResource.upstream.behave(UpstreamBehaviour.defaults());
    }

    static void behave(JsonObject changes) {
        LocalUpstreamResource.upstream.behave(UpstreamBehaviour.defaults().with(changes));
    }

    RouterServiceGrpc.RouterServiceBlockingStub grpc() {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + KEY);
        return router.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    static JsonObject ask(String model, String text) {
        return new JsonObject().put("model", model).put("messages", new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", "You are a helpful assistant."))
                .add(new JsonObject().put("role", "user").put("content", text)));
    }

    static ChatRequest grpcAsk(String model, String text) {
        return ChatRequest.newBuilder().setModel(model)
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(text)).build();
    }

    /** The last request the upstream received, as its JSON body. */
    static JsonObject lastUpstreamBody() {
        List<JsonObject> recent = LocalUpstreamResource.upstream.recentRequests();
        return recent.get(recent.size() - 1).getJsonObject("body");
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic", "via-gemini"})
    void anHttpStreamCutAfterItsFirstTokenEndsWithAnErrorEventAndNeverWithDone(String model) {
        behave(new JsonObject().put("answer", ANSWER).put("cut_after_chunks", 5));
        Response r = post(ask(model, "count").put("stream", true));
        assertEquals(200, r.statusCode(), r.asString());
        String body = r.asString();
        assertFalse(body.contains("[DONE]"), "a cut answer must not end cleanly: " + body);
        List<JsonObject> events = ProvidersThroughRouterTest.events(body);
        String content = events.stream().filter(e -> e.getJsonArray("choices") != null && !e.getJsonArray("choices").isEmpty())
                .map(e -> e.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""))
                .collect(Collectors.joining());
        assertFalse(content.isEmpty(), "the stream was cut after its first token: " + body);
        assertTrue(ANSWER.startsWith(content) && content.length() < ANSWER.length(), content);
        JsonObject last = events.get(events.size() - 1);
        assertTrue(last.containsKey("error") && !last.getJsonObject("error").getString("message").isEmpty(), last.encode());
        assertEquals(1, LocalUpstreamResource.upstream.completions(), "after a token: no retry, no fallback");
    }

    @Test
    void aGrpcStreamCutAfterItsFirstTokenEndsWithAnErrorStatusAfterItsDeltas() {
        behave(new JsonObject().put("answer", ANSWER).put("cut_after_chunks", 5));
        Iterator<ChatStreamResponse> events = grpc().chatStream(
                ChatStreamRequest.newBuilder().setChat(grpcAsk("via-openai", "count")).build());
        List<String> deltas = new ArrayList<>();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> events.forEachRemaining(event -> {
            assertFalse(event.hasFinal(), "a cut stream has no final message");
            deltas.add(event.getDelta());
        }));
        String content = String.join("", deltas);
        assertFalse(content.isEmpty());
        assertTrue(ANSWER.startsWith(content) && content.length() < ANSWER.length(), content);
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals(1, LocalUpstreamResource.upstream.completions(), "after a token: no retry, no fallback");
    }

    @ParameterizedTest
    @CsvSource({"429, RESOURCE_EXHAUSTED", "503, UNAVAILABLE"})
    void whenEveryTargetFailedTheUpstreamsRetryAfterReachesBothApis(int upstreamStatus, Status.Code code) throws Exception {
        // 30 s is above the route's retry-after-cap: no retry, the chain ends at once
        behave(new JsonObject().put("error_rate", 1.0).put("error_status", upstreamStatus).put("retry_after_seconds", 30));
        Response r = post(ask("via-openai", "hi"));
        assertEquals(upstreamStatus, r.statusCode(), r.asString());
        assertEquals("30", r.header("retry-after"));
        assertTrue(new JsonObject(r.asString()).getJsonObject("error").getString("message").contains("all 1 target failed"),
                r.asString());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc().chat(grpcAsk("via-openai", "hi")));
        assertEquals(code, e.getStatus().getCode());
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        RetryInfo info = details.getDetails(0).unpack(RetryInfo.class);
        assertEquals(30, info.getRetryDelay().getSeconds(), details.toString());
        assertEquals(2, LocalUpstreamResource.upstream.completions(), "one call per request");
    }

    @Test
    void theRouteCapsMaxTokensAndCompactsThePromptBeforeItGoesUpstream() {
        Response asked = post(ask("shaped", "Hello    world   \n\n\n\nbye").put("max_tokens", 500));
        assertEquals(200, asked.statusCode(), asked.asString());
        JsonObject sent = lastUpstreamBody();
        assertEquals(50, sent.getInteger("max_tokens"), "capped at the route's 50");
        JsonArray messages = sent.getJsonArray("messages");
        assertEquals("Hello world\n\nbye", messages.getJsonObject(messages.size() - 1).getString("content"));

        post(ask("shaped", "small").put("max_tokens", 20));
        assertEquals(20, lastUpstreamBody().getInteger("max_tokens"), "below the cap: as asked");
        post(ask("shaped", "unsaid"));
        assertEquals(50, lastUpstreamBody().getInteger("max_tokens"), "not said: the cap");

        post(ask("via-openai", "Hello    world").put("max_tokens", 500));
        assertEquals(500, lastUpstreamBody().getInteger("max_tokens"), "another route: no cap");
        JsonArray plain = lastUpstreamBody().getJsonArray("messages");
        assertEquals("Hello    world", plain.getJsonObject(plain.size() - 1).getString("content"), "and no compaction");
    }

    @Test
    void autoSendsAnEasyPromptToTheCheapRouteAndAHardOneToPremium() {
        Response easy = post(ask("auto", "What is the capital of Portugal?"));
        assertEquals(200, easy.statusCode(), easy.asString());
        assertEquals("cheap-model", new JsonObject(easy.asString()).getString("model"));
        assertEquals("cheap-model", lastUpstreamBody().getString("model"));

        Response hard = post(ask("auto", "Design a multi-region active-active architecture for an order service that "
                + "must never lose an order. Cover consistency, failover and testing, then list the failure modes and "
                + "prove the idempotency scheme is correct step by step."));
        assertEquals(200, hard.statusCode(), hard.asString());
        assertEquals("premium-model", lastUpstreamBody().getString("model"));

        assertEquals("premium-model", grpc().chat(grpcAsk("auto", "Design a multi-region active-active architecture "
                + "for an order service that must never lose an order. Cover consistency, failover and testing, then "
                + "list the failure modes and prove the idempotency scheme is correct step by step.")).getModel());
    }
}
