package dev.llmops.upstream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for a paid LLM provider that speaks OpenAI's chat-completions wire format:
 * {@code POST /v1/chat/completions} (JSON, or SSE chunks when {@code stream} is true, with a usage chunk when
 * {@code stream_options.include_usage} is set, then {@code [DONE]}), {@code GET /v1/models}, and OpenAI's error JSON.
 *
 * <p>Test hooks: {@code GET /_upstream/stats} (request count and the last requests received),
 * {@code POST /_upstream/reset}, {@code POST /_upstream/config} (change the behaviour at run time).
 */
public final class LocalUpstream implements AutoCloseable {
    private static final int KEPT_REQUESTS = 100;
    private static final String CUT = new String("<cut>");

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final HttpServer server;
    private final AtomicLong completions = new AtomicLong();
    private final Deque<JsonObject> recent = new ArrayDeque<>();
    private volatile UpstreamBehaviour behaviour;

    private LocalUpstream(Vertx vertx, boolean ownsVertx, UpstreamBehaviour behaviour) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.behaviour = behaviour;
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setTcpNoDelay(true));
    }

    /** Starts on {@code port} (0 picks a free one) with its own Vert.x instance. */
    public static LocalUpstream start(int port, UpstreamBehaviour behaviour) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
        LocalUpstream upstream = new LocalUpstream(vertx, true, behaviour);
        try {
            upstream.server.requestHandler(upstream::handle).listen(port)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("local upstream could not listen on port " + port + ": " + e.getMessage(), e);
        }
        return upstream;
    }

    public int port() {
        return server.actualPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    public UpstreamBehaviour behaviour() {
        return behaviour;
    }

    public void behave(UpstreamBehaviour next) {
        this.behaviour = next;
    }

    /** Chat completion requests received since the start or the last reset. */
    public long completions() {
        return completions.get();
    }

    /** The last requests received, oldest first: {"body": ..., "authorization": ...}. */
    public synchronized List<JsonObject> recentRequests() {
        return List.copyOf(recent);
    }

    public synchronized void reset() {
        completions.set(0);
        recent.clear();
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().join();
        if (ownsVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (req.method() == HttpMethod.POST && path.equals("/v1/chat/completions")) {
            req.body().onSuccess(body -> chatCompletion(req, body)).onFailure(e -> error(req.response(), 400,
                    "invalid_request_error", "could not read the body: " + e.getMessage()));
        } else if (req.method() == HttpMethod.GET && path.equals("/v1/models")) {
            JsonArray data = new JsonArray().add(new JsonObject().put("id", "local-echo").put("object", "model")
                    .put("created", 0).put("owned_by", "llmops-local-upstream"));
            json(req.response(), 200, new JsonObject().put("object", "list").put("data", data));
        } else if (path.equals("/_upstream/stats")) {
            json(req.response(), 200, new JsonObject().put("completions", completions())
                    .put("recent", new JsonArray(List.copyOf(recentRequests()))).put("behaviour", behaviour.toJson()));
        } else if (req.method() == HttpMethod.POST && path.equals("/_upstream/reset")) {
            reset();
            json(req.response(), 200, new JsonObject().put("reset", true));
        } else if (req.method() == HttpMethod.POST && path.equals("/_upstream/config")) {
            req.body().onSuccess(body -> {
                try {
                    behave(behaviour.with(body.length() == 0 ? new JsonObject() : body.toJsonObject()));
                    json(req.response(), 200, behaviour.toJson());
                } catch (DecodeException | ClassCastException e) {
                    error(req.response(), 400, "invalid_request_error", "config must be a JSON object: " + e.getMessage());
                }
            });
        } else {
            error(req.response(), 404, "invalid_request_error", "unknown path " + path);
        }
    }

    private void chatCompletion(HttpServerRequest req, Buffer body) {
        JsonObject request;
        try {
            request = body.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            error(req.response(), 400, "invalid_request_error", "the body is not a JSON object");
            return;
        }
        JsonArray messages = request.getJsonArray("messages");
        if (messages == null || messages.isEmpty()) {
            error(req.response(), 400, "invalid_request_error", "'messages' must be a non-empty array");
            return;
        }
        UpstreamBehaviour b = behaviour;
        completions.incrementAndGet();
        remember(request, req.getHeader("authorization"));
        if (b.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < b.errorRate()) {
            vertx.setTimer(Math.max(1, b.latencyMs()), t -> {
                if (b.retryAfterSeconds() > 0) {
                    req.response().putHeader("retry-after", String.valueOf(b.retryAfterSeconds()));
                }
                error(req.response(), b.errorStatus(), b.errorStatus() == 429 ? "rate_limit_error" : "server_error",
                        "injected upstream error");
            });
            return;
        }
        String model = b.model().isEmpty() ? request.getString("model", "local-echo") : b.model();
        String answer = b.answer().isEmpty() ? "Echo: " + lastUserContent(messages) : b.answer();
        int promptTokens = b.promptTokens() >= 0 ? b.promptTokens() : promptWords(messages);
        int completionTokens = b.completionTokens() >= 0 ? b.completionTokens() : words(answer);
        JsonObject usage = new JsonObject().put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens).put("total_tokens", promptTokens + completionTokens);
        String id = "chatcmpl-local-" + completions.get();
        long created = System.currentTimeMillis() / 1000;
        Runnable respond = request.getBoolean("stream", false)
                ? () -> stream(req, id, created, model, answer, usage, b, includeUsage(request))
                : () -> json(req.response(), 200, completion(id, created, model, answer, usage));
        if (b.latencyMs() > 0) {
            vertx.setTimer(b.latencyMs(), t -> respond.run());
        } else {
            respond.run();
        }
    }

    private static boolean includeUsage(JsonObject request) {
        JsonObject options = request.getJsonObject("stream_options");
        return options != null && options.getBoolean("include_usage", false);
    }

    private synchronized void remember(JsonObject body, String authorization) {
        if (recent.size() == KEPT_REQUESTS) {
            recent.removeFirst();
        }
        recent.addLast(new JsonObject().put("body", body).put("authorization", authorization));
    }

    private static JsonObject completion(String id, long created, String model, String answer, JsonObject usage) {
        JsonObject message = new JsonObject().put("role", "assistant").put("content", answer);
        return new JsonObject().put("id", id).put("object", "chat.completion").put("created", created)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                        .put("finish_reason", "stop")))
                .put("usage", usage);
    }

    private void stream(HttpServerRequest req, String id, long created, String model, String answer,
                        JsonObject usage, UpstreamBehaviour b, boolean includeUsage) {
        HttpServerResponse response = req.response();
        response.setStatusCode(200).putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache").setChunked(true);
        Deque<String> events = new ArrayDeque<>();
        events.add(chunk(id, created, model, new JsonObject().put("role", "assistant").put("content", ""), null));
        for (String piece : pieces(answer)) {
            events.add(chunk(id, created, model, new JsonObject().put("content", piece), null));
        }
        events.add(chunk(id, created, model, new JsonObject(), "stop"));
        if (includeUsage) {
            events.add(new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                    .put("model", model).put("choices", new JsonArray()).put("usage", usage).encode());
        }
        events.add("[DONE]");
        if (b.cutAfterChunks() >= 0) {
            while (events.size() > b.cutAfterChunks()) {
                events.removeLast();
            }
            events.add(CUT);
        }
        sendEvents(req, events, b.chunkDelayMs());
    }

    private void sendEvents(HttpServerRequest req, Deque<String> events, long chunkDelayMs) {
        HttpServerResponse response = req.response();
        if (response.closed()) {
            return;
        }
        if (chunkDelayMs <= 0 && !events.contains(CUT)) {
            StringBuilder all = new StringBuilder();
            events.forEach(e -> all.append("data: ").append(e).append("\n\n"));
            response.end(all.toString());
            return;
        }
        String next = events.removeFirst();
        if (next == CUT) {
            req.connection().close(); // the connection drops mid-answer: no [DONE], no clean end
            return;
        }
        Future<Void> written = response.write("data: " + next + "\n\n");
        if (events.isEmpty()) {
            written.onComplete(r -> response.end());
        } else {
            vertx.setTimer(Math.max(1, chunkDelayMs), t -> sendEvents(req, events, chunkDelayMs));
        }
    }

    private static String chunk(String id, long created, String model, JsonObject delta, String finishReason) {
        return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                        .put("finish_reason", finishReason)))
                .encode();
    }

    /** The answer split into word-sized deltas that concatenate back to it exactly. */
    static List<String> pieces(String answer) {
        List<String> out = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 1; i <= answer.length(); i++) {
            if (i == answer.length() || answer.charAt(i) == ' ') {
                out.add(answer.substring(start, i));
                start = i;
            }
        }
        return out;
    }

    private static String lastUserContent(JsonArray messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            Object m = messages.getValue(i);
            if (m instanceof JsonObject msg && "user".equals(msg.getString("role"))) {
                Object content = msg.getValue("content");
                return content instanceof String s ? s : String.valueOf(content);
            }
        }
        return "";
    }

    private static int promptWords(JsonArray messages) {
        int n = 0;
        for (Object m : messages) {
            if (m instanceof JsonObject msg && msg.getValue("content") instanceof String s) {
                n += words(s) + 3; // per-message overhead, as OpenAI's tokenizer accounting adds
            }
        }
        return n;
    }

    static int words(String s) {
        int n = 0;
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            boolean space = Character.isWhitespace(s.charAt(i));
            if (!space && !inWord) {
                n++;
            }
            inWord = !space;
        }
        return n;
    }

    private static void json(HttpServerResponse response, int status, JsonObject body) {
        response.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    private static void error(HttpServerResponse response, int status, String type, String message) {
        json(response, status, new JsonObject().put("error", new JsonObject().put("message", message)
                .put("type", type).putNull("param").put("code", String.valueOf(status))));
    }
}
