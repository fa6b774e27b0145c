package dev.llmops.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalUpstreamTest {
    static LocalUpstream upstream;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults());
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        upstream.behave(UpstreamBehaviour.defaults());
    }

    static HttpResponse<String> post(String path, JsonObject body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + path))
                .header("authorization", "Bearer sk-test").POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject chat(boolean stream) {
        return new JsonObject().put("model", "local-echo").put("stream", stream).put("messages", new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", "be brief"))
                .add(new JsonObject().put("role", "user").put("content", "hello there world")));
    }

    @Test
    void answersInOpenAiShapeAndEchoesTheLastUserMessage() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chat(false));
        assertEquals(200, r.statusCode());
        JsonObject body = new JsonObject(r.body());
        assertEquals("chat.completion", body.getString("object"));
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertEquals("Echo: hello there world", choice.getJsonObject("message").getString("content"));
        assertEquals("stop", choice.getString("finish_reason"));
        JsonObject usage = body.getJsonObject("usage");
        assertEquals(2 + 3 + 3 + 3, usage.getInteger("prompt_tokens"));
        assertEquals(4, usage.getInteger("completion_tokens"));
        assertEquals(1, upstream.completions());
        assertEquals("Bearer sk-test", upstream.recentRequests().get(0).getString("authorization"));
    }

    @Test
    void streamsChunksThenUsageThenDone() throws Exception {
        upstream.behave(upstream.behaviour().with(new JsonObject().put("answer", "one two three")
                .put("chunk_delay_ms", 1)));
        HttpResponse<String> r = post("/v1/chat/completions",
                chat(true).put("stream_options", new JsonObject().put("include_usage", true)));
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        List<String> data = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        assertEquals("[DONE]", data.get(data.size() - 1));
        StringBuilder content = new StringBuilder();
        JsonObject usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonObject chunk = new JsonObject(d);
            JsonArray choices = chunk.getJsonArray("choices");
            if (!choices.isEmpty()) {
                content.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
            }
            if (chunk.containsKey("usage")) {
                usage = chunk.getJsonObject("usage");
            }
        }
        assertEquals("one two three", content.toString());
        assertEquals(3, usage.getInteger("completion_tokens"));
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chat(true));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        assertTrue(!r.body().contains("\"usage\""));
    }

    @Test
    void injectedErrorsUseOpenAiErrorJsonAndRetryAfter() throws Exception {
        HttpResponse<String> cfg = post("/_upstream/config", new JsonObject().put("error_rate", 1.0)
                .put("error_status", 429).put("retry_after_seconds", 2));
        assertEquals(200, cfg.statusCode());
        HttpResponse<String> r = post("/v1/chat/completions", chat(false));
        assertEquals(429, r.statusCode());
        assertEquals("2", r.headers().firstValue("retry-after").orElseThrow());
        assertEquals("rate_limit_error", new JsonObject(r.body()).getJsonObject("error").getString("type"));
    }

    @Test
    void rejectsMalformedRequests() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", new JsonObject().put("model", "x"));
        assertEquals(400, r.statusCode());
        assertTrue(new JsonObject(r.body()).getJsonObject("error").getString("message").contains("messages"));
        assertEquals(0, upstream.completions());
    }

    @Test
    void piecesConcatenateBackToTheAnswer() {
        assertEquals("a  b c", String.join("", LocalUpstream.pieces("a  b c")));
        assertEquals(List.of(), LocalUpstream.pieces(""));
    }

    static HttpResponse<String> post(String path, JsonObject body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject anthropic(JsonArray messages) {
        return new JsonObject().put("model", "claude").put("max_tokens", 100).put("system", "be brief")
                .put("messages", messages);
    }

    @Test
    void anthropicAnswersInItsShapeWithCacheUsageExcludedFromInput() throws Exception {
        upstream.behave(upstream.behaviour().with(new JsonObject().put("prompt_tokens", 100)
                .put("cache_read_tokens", 60).put("cache_write_tokens", 10)));
        HttpResponse<String> r = post("/v1/messages", anthropic(new JsonArray().add(new JsonObject()
                .put("role", "user").put("content", "hi there"))), "anthropic-version", "2023-06-01", "x-api-key", "k");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("message", body.getString("type"));
        assertEquals("Echo: hi there", body.getJsonArray("content").getJsonObject(0).getString("text"));
        assertEquals("end_turn", body.getString("stop_reason"));
        assertEquals(30, body.getJsonObject("usage").getInteger("input_tokens"));
        assertEquals(60, body.getJsonObject("usage").getInteger("cache_read_input_tokens"));
        assertEquals(10, body.getJsonObject("usage").getInteger("cache_creation_input_tokens"));
    }

    @Test
    void anthropicRejectsWhatTheRealApiRejects() throws Exception {
        JsonArray user = new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"));
        HttpResponse<String> noVersion = post("/v1/messages", anthropic(user));
        assertEquals(400, noVersion.statusCode());
        assertEquals("invalid_request_error", new JsonObject(noVersion.body()).getJsonObject("error").getString("type"));
        assertEquals(400, post("/v1/messages", anthropic(user).put("max_tokens", null), "anthropic-version", "v").statusCode());
        assertEquals(400, post("/v1/messages", anthropic(new JsonArray().add(new JsonObject().put("role", "system")
                .put("content", "x"))), "anthropic-version", "v").statusCode());
        JsonArray orphanResult = new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_x").put("content", "1"))));
        HttpResponse<String> r = post("/v1/messages", anthropic(orphanResult), "anthropic-version", "v");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("tool_use_id"), r.body());
        assertEquals(0, upstream.completions(), "rejected requests are not counted");
    }

    @Test
    void geminiStreamsChunksAndReportsErrorsWithRetryInfo() throws Exception {
        upstream.behave(upstream.behaviour().with(new JsonObject().put("answer", "one two")));
        JsonObject request = new JsonObject().put("contents", new JsonArray().add(new JsonObject().put("role", "user")
                .put("parts", new JsonArray().add(new JsonObject().put("text", "hi")))));
        HttpResponse<String> r = post("/v1beta/models/gemini-x:streamGenerateContent?alt=sse", request);
        assertEquals(200, r.statusCode(), r.body());
        List<JsonObject> chunks = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ")) {
                chunks.add(new JsonObject(line.substring(6)));
            }
        }
        assertEquals(3, chunks.size(), "two text chunks and the final one");
        JsonObject last = chunks.get(2);
        assertEquals("STOP", last.getJsonArray("candidates").getJsonObject(0).getString("finishReason"));
        assertEquals(2, last.getJsonObject("usageMetadata").getInteger("candidatesTokenCount"));
        upstream.behave(upstream.behaviour().with(new JsonObject().put("error_rate", 1.0).put("error_status", 429)
                .put("retry_after_seconds", 7)));
        HttpResponse<String> limited = post("/v1beta/models/gemini-x:generateContent", request);
        assertEquals(429, limited.statusCode());
        JsonObject error = new JsonObject(limited.body()).getJsonObject("error");
        assertEquals("RESOURCE_EXHAUSTED", error.getString("status"));
        assertEquals("7s", error.getJsonArray("details").getJsonObject(0).getString("retryDelay"));
    }

    @Test
    void aForcedToolIsCalledInOpenAiShape() throws Exception {
        JsonObject request = chat(false).put("tools", new JsonArray().add(new JsonObject().put("type", "function")
                .put("function", new JsonObject().put("name", "lookup")))).put("tool_choice", "required");
        JsonObject body = new JsonObject(post("/v1/chat/completions", request).body());
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertEquals("tool_calls", choice.getString("finish_reason"));
        JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
        assertEquals("lookup", call.getJsonObject("function").getString("name"));
        assertEquals("hello there world", new JsonObject(call.getJsonObject("function").getString("arguments"))
                .getString("input"));
    }
}
