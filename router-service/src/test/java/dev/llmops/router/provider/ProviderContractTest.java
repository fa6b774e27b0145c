package dev.llmops.router.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.ToolCall;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoice;
import llmops.router.v1.ToolChoiceMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every provider adapter passes, against the local upstream speaking that provider's wire format
 * over real HTTP. A subclass names its adapter, how its wire format carries the request, and the scenarios it skips
 * ({@link #skipped()}, empty for every adapter today); it cannot skip one silently.
 */
public abstract class ProviderContractTest {
    protected static LocalUpstream upstream;
    protected static Vertx vertx;
    protected static UpstreamHttp http;
    static final Duration WAIT = Duration.ofSeconds(10);

    /** The scenarios of the contract, for {@link #skipped()}. */
    protected enum Scenario {
        PLAIN, STREAM, CACHE_USAGE, TOOL_CALL, TOOL_CALL_STREAM, TOOL_RESULT, JSON_MODE, JSON_MODE_STREAM,
        ERRORS, RETRY_AFTER, BAD_CREDENTIAL, TIMEOUT, STREAM_HANG, REFUSED, STREAM_CUT
    }

    @BeforeAll
    static void startUpstream() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults());
        vertx = Vertx.vertx();
        http = new UpstreamHttp(vertx);
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
        upstream.behave(UpstreamBehaviour.defaults());
    }

    protected abstract ProviderAdapter adapter();

    /** The base URL a route to the local upstream has for this wire format. */
    protected abstract String baseUrl();

    /** Checks how the wire format carried {@link #call}'s conversation, parameters, model and credential. */
    protected abstract void assertRequestShape(JsonObject seen);

    /** Stream events the local upstream sends in this format before the first two words of a four-word answer. */
    protected abstract int eventsThroughTwoWords();

    /** Cache-write tokens this format reports when the upstream wrote {@code written} (only Anthropic has them). */
    protected long reportedCacheWrites(long written) {
        return 0;
    }

    protected Set<Scenario> skipped() {
        return Set.of();
    }

    private void scenario(Scenario s) {
        Assumptions.assumeFalse(skipped().contains(s), () -> adapter().wireFormat() + " skips " + s);
    }

    protected Route route(Duration timeout) {
        return new Route("contract", adapter().wireFormat(), baseUrl(), "local-model", "sk-upstream", timeout);
    }

    protected static ChatMessage msg(Role role, String content) {
        return ChatMessage.newBuilder().setRole(role).setContent(content).build();
    }

    /** A system prompt and a user question, with temperature, max_tokens and a stop sequence. */
    protected ProviderCall call(Route route) {
        return new ProviderCall(route, List.of(msg(Role.ROLE_SYSTEM, "be brief"),
                msg(Role.ROLE_USER, "what is two plus two")),
                GenerationParameters.newBuilder().setTemperature(0.2).setMaxTokens(50).addStop("END").build(), "user-7");
    }

    protected ProviderCall call() {
        return call(route(Duration.ofSeconds(5)));
    }

    static final Tool WEATHER = Tool.newBuilder().setName("get_weather").setDescription("Weather in a city")
            .setParametersJsonSchema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}")
            .build();
    static final Tool TIME = Tool.newBuilder().setName("get_time").setParametersJsonSchema("").build();

    protected ProviderCall toolCall(ToolChoice choice) {
        return new ProviderCall(route(Duration.ofSeconds(5)), List.of(msg(Role.ROLE_USER, "weather in Paris?")),
                GenerationParameters.getDefaultInstance(), "", List.of(TIME, WEATHER), choice, null);
    }

    protected static void behave(JsonObject change) {
        upstream.behave(upstream.behaviour().with(change));
    }

    protected static JsonObject lastRequest() {
        List<JsonObject> seen = upstream.recentRequests();
        return seen.get(seen.size() - 1);
    }

    protected static StatusRuntimeException failure(Uni<ChatResult> call) {
        return assertThrows(StatusRuntimeException.class, () -> call.await().atMost(WAIT));
    }

    @Test
    void plainAnswerWithUsageAndTheRequestInTheProvidersShape() {
        scenario(Scenario.PLAIN);
        behave(new JsonObject().put("answer", "four").put("prompt_tokens", 21).put("completion_tokens", 1));
        ChatResult r = adapter().complete(call()).await().atMost(WAIT);
        assertEquals("four", r.content());
        assertEquals("stop", r.finishReason());
        assertEquals(21, r.usage().getPromptTokens());
        assertEquals(1, r.usage().getCompletionTokens());
        assertEquals("local-model", r.model());
        assertTrue(r.toolCalls().isEmpty());
        assertRequestShape(lastRequest());
    }

    @Test
    void streamDeliversDeltasAndExactUsageWithoutBeingAsked() {
        scenario(Scenario.STREAM);
        behave(new JsonObject().put("answer", "the answer is four").put("prompt_tokens", 30).put("completion_tokens", 9)
                .put("chunk_delay_ms", 1));
        List<String> deltas = new ArrayList<>();
        ChatResult r = adapter().stream(call(), deltas::add).await().atMost(WAIT);
        assertTrue(deltas.size() > 1, "the answer arrives in pieces: " + deltas);
        assertEquals("the answer is four", String.join("", deltas));
        assertEquals("the answer is four", r.content());
        assertEquals("stop", r.finishReason());
        assertEquals(30, r.usage().getPromptTokens());
        assertEquals(9, r.usage().getCompletionTokens());
        assertRequestShape(lastRequest());
    }

    @Test
    void promptCacheTokensAreSubsetsOfThePrompt() {
        scenario(Scenario.CACHE_USAGE);
        behave(new JsonObject().put("prompt_tokens", 100).put("completion_tokens", 5).put("cache_read_tokens", 60)
                .put("cache_write_tokens", 20));
        for (boolean stream : new boolean[] {false, true}) {
            ChatResult r = stream ? adapter().stream(call(), d -> { }).await().atMost(WAIT)
                    : adapter().complete(call()).await().atMost(WAIT);
            assertEquals(100, r.usage().getPromptTokens(), "stream=" + stream);
            assertEquals(60, r.usage().getCachedPromptTokens(), "stream=" + stream);
            assertEquals(reportedCacheWrites(20), r.usage().getCacheWriteTokens(), "stream=" + stream);
            assertEquals(5, r.usage().getCompletionTokens(), "stream=" + stream);
        }
    }

    @Test
    void aForcedFunctionIsCalledWithItsArguments() {
        scenario(Scenario.TOOL_CALL);
        behave(new JsonObject().put("tool_arguments", "{\"city\":\"Paris\"}"));
        ChatResult r = adapter().complete(toolCall(ToolChoice.newBuilder().setMode(ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION)
                .setFunctionName("get_weather").build())).await().atMost(WAIT);
        assertToolCall(r);
        assertToolsSent(lastRequest());
    }

    @Test
    void aStreamedToolCallArrivesWholeInTheResult() {
        scenario(Scenario.TOOL_CALL_STREAM);
        behave(new JsonObject().put("tool_arguments", "{\"city\":\"Paris\"}").put("tool_calls", true).put("chunk_delay_ms", 1));
        List<String> deltas = new ArrayList<>();
        ProviderCall auto = toolCall(ToolChoice.newBuilder().setMode(ToolChoiceMode.TOOL_CHOICE_MODE_REQUIRED).build());
        ChatResult r = adapter().stream(auto, deltas::add).await().atMost(WAIT);
        assertEquals("", String.join("", deltas), "a tool call is not content");
        assertEquals(1, r.toolCalls().size());
        assertEquals("get_time", r.toolCalls().get(0).getName(), "REQUIRED without a name: the upstream takes the first");
        assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(r.toolCalls().get(0).getArguments()));
        assertEquals("tool_calls", r.finishReason());
    }

    private static void assertToolCall(ChatResult r) {
        assertEquals("tool_calls", r.finishReason());
        assertEquals("", r.content());
        assertEquals(1, r.toolCalls().size());
        ToolCall c = r.toolCalls().get(0);
        assertEquals("get_weather", c.getName());
        assertFalse(c.getId().isEmpty(), "every call has an id to answer it with");
        assertEquals(new JsonObject().put("city", "Paris"), new JsonObject(c.getArguments()));
    }

    /** Checks the tools went out in the format's shape (names, schema). */
    protected abstract void assertToolsSent(JsonObject seen);

    @Test
    void aToolResultGoesBackToTheModel() {
        scenario(Scenario.TOOL_RESULT);
        ToolCall made = ToolCall.newBuilder().setId("call_abc").setName("get_weather").setArguments("{\"city\":\"Paris\"}").build();
        ProviderCall followUp = new ProviderCall(route(Duration.ofSeconds(5)), List.of(
                msg(Role.ROLE_SYSTEM, "be brief"),
                msg(Role.ROLE_USER, "weather in Paris?"),
                ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).addToolCalls(made).build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setToolCallId("call_abc").setContent("22C and sunny").build()),
                GenerationParameters.getDefaultInstance(), "", List.of(WEATHER), ToolChoice.getDefaultInstance(), null);
        ChatResult r = adapter().complete(followUp).await().atMost(WAIT);
        assertEquals("Tool result: 22C and sunny", r.content());
        assertEquals("stop", r.finishReason());
        ChatResult streamed = adapter().stream(followUp, d -> { }).await().atMost(WAIT);
        assertEquals("Tool result: 22C and sunny", streamed.content());
    }

    protected ProviderCall jsonCall(ResponseFormat format) {
        return new ProviderCall(route(Duration.ofSeconds(5)), List.of(msg(Role.ROLE_USER, "name a colour")),
                GenerationParameters.newBuilder().setResponseFormat(format).build(), "");
    }

    static final ResponseFormat JSON_OBJECT = ResponseFormat.newBuilder()
            .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT).build();
    static final ResponseFormat JSON_SCHEMA = ResponseFormat.newBuilder()
            .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA).setSchemaName("colour")
            .setJsonSchema("{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\"}}}").build();

    @Test
    void jsonModeAnswersAJsonObjectAsContent() {
        scenario(Scenario.JSON_MODE);
        for (ResponseFormat format : List.of(JSON_OBJECT, JSON_SCHEMA)) {
            ChatResult r = adapter().complete(jsonCall(format)).await().atMost(WAIT);
            JsonObject answer = new JsonObject(r.content());
            assertTrue(answer.encode().contains("name a colour"), r.content());
            assertEquals("stop", r.finishReason());
            assertTrue(r.toolCalls().isEmpty(), "JSON mode is content, never a tool call");
        }
    }

    @Test
    void jsonModeStreamsItsJsonAsContent() {
        scenario(Scenario.JSON_MODE_STREAM);
        List<String> deltas = new ArrayList<>();
        ChatResult r = adapter().stream(jsonCall(JSON_SCHEMA), deltas::add).await().atMost(WAIT);
        assertEquals(r.content(), String.join("", deltas));
        assertTrue(new JsonObject(r.content()).encode().contains("name a colour"), r.content());
        assertTrue(r.toolCalls().isEmpty());
    }

    @Test
    void upstreamErrorCodesMapToGrpcCodesWithTheUpstreamsMessage() {
        scenario(Scenario.ERRORS);
        int[] statuses = {400, 401, 429, 500, 503};
        Status.Code[] codes = {Status.Code.INVALID_ARGUMENT, Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED,
                               Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE};
        String[] kinds = {"4xx", "5xx", "429", "5xx", "5xx"};
        for (int i = 0; i < statuses.length; i++) {
            behave(new JsonObject().put("error_rate", 1.0).put("error_status", statuses[i]));
            for (boolean stream : new boolean[] {false, true}) {
                StatusRuntimeException e = failure(stream ? adapter().stream(call(), d -> { }) : adapter().complete(call()));
                assertEquals(codes[i], e.getStatus().getCode(), "HTTP " + statuses[i] + " stream=" + stream);
                assertEquals(kinds[i], UpstreamErrors.kind(e), "HTTP " + statuses[i] + " stream=" + stream);
                assertTrue(e.getStatus().getDescription().contains("HTTP " + statuses[i])
                        && e.getStatus().getDescription().contains("injected upstream error"), e.getStatus().getDescription());
            }
        }
    }

    @Test
    void rateLimitCarriesTheUpstreamsRetryDelay() {
        scenario(Scenario.RETRY_AFTER);
        behave(new JsonObject().put("error_rate", 1.0).put("error_status", 429).put("retry_after_seconds", 3));
        StatusRuntimeException e = failure(adapter().complete(call()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertEquals(Duration.ofSeconds(3), UpstreamErrors.retryAfter(e).orElseThrow());
        assertTrue(e.getStatus().getDescription().contains("retry after 3 s"), e.getStatus().getDescription());
    }

    @Test
    void aRefusedCredentialIsUnavailableNotTheCallersFault() {
        scenario(Scenario.BAD_CREDENTIAL);
        behave(new JsonObject().put("require_api_key", "sk-other"));
        StatusRuntimeException e = failure(adapter().complete(call()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("credential"), e.getStatus().getDescription());
        behave(new JsonObject().put("require_api_key", "sk-upstream"));
        assertFalse(adapter().complete(call()).await().atMost(WAIT).content().isEmpty(), "the right key is accepted");
    }

    @Test
    void anUpstreamPastTheDeadlineIsDeadlineExceeded() {
        scenario(Scenario.TIMEOUT);
        behave(new JsonObject().put("latency_ms", 2000));
        ProviderCall hurried = call(route(Duration.ofMillis(200)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, failure(adapter().complete(hurried)).getStatus().getCode());
        assertEquals("timeout", UpstreamErrors.kind(failure(adapter().complete(hurried))));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, failure(adapter().stream(hurried, d -> { })).getStatus().getCode());
    }

    @Test
    void aStreamThatHangsMidAnswerHitsTheDeadline() {
        scenario(Scenario.STREAM_HANG);
        behave(new JsonObject().put("answer", "one two three four").put("chunk_delay_ms", 400));
        long start = System.nanoTime();
        StatusRuntimeException e = failure(adapter().stream(call(route(Duration.ofMillis(600))), d -> { }));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 3000, "the deadline covers the whole stream");
    }

    @Test
    void aRefusedConnectionIsUnavailable() {
        scenario(Scenario.REFUSED);
        Route nowhere = new Route("down", adapter().wireFormat(), "http://127.0.0.1:1/v1", "m", "", Duration.ofSeconds(2));
        assertEquals(Status.Code.UNAVAILABLE, failure(adapter().complete(call(nowhere))).getStatus().getCode());
        assertEquals("connect", UpstreamErrors.kind(failure(adapter().complete(call(nowhere)))));
        assertEquals(Status.Code.UNAVAILABLE, failure(adapter().stream(call(nowhere), d -> { })).getStatus().getCode());
    }

    @Test
    void aStreamCutMidAnswerFailsAfterTheDeltasItSent() {
        scenario(Scenario.STREAM_CUT);
        behave(new JsonObject().put("answer", "one two three four").put("cut_after_chunks", eventsThroughTwoWords())
                .put("chunk_delay_ms", 5));
        List<String> deltas = new ArrayList<>();
        StatusRuntimeException e = failure(adapter().stream(call(), deltas::add));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("5xx", UpstreamErrors.kind(e));
        assertEquals("one two", String.join("", deltas));
    }
}
