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
 * A local stand-in for paid LLM providers, in their real wire formats: OpenAI chat completions
 * ({@code POST /v1/chat/completions}, SSE chunks with a usage chunk when {@code stream_options.include_usage} is set,
 * then {@code [DONE]}), Anthropic Messages ({@code POST /v1/messages}, its event stream) and Google Gemini
 * ({@code POST /v1beta/models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse}), each with its own
 * error JSON; {@code GET /v1/models}. One {@link UpstreamBehaviour} drives all formats (see {@link Reply} for the
 * scenarios: echo, fixed answer, tool calls, tool results, JSON mode).
 *
 * <p>Test hooks: {@code GET /_upstream/stats} (request count and the last requests received),
 * {@code POST /_upstream/reset}, {@code POST /_upstream/config} (change the behaviour at run time).
 */
public final class LocalUpstream implements AutoCloseable {
    private static final int KEPT_REQUESTS = 100;
    private static final String CUT = new String("<cut>");
    private static final String GEMINI_PREFIX = "/v1beta/models/";
    private static final WireFormat OPENAI = new OpenAiFormat();
    private static final WireFormat ANTHROPIC = new AnthropicFormat();

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

    /** The base URL of the OpenAI and Anthropic formats. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The base URL of the Gemini format. */
    public String geminiBaseUrl() {
        return "http://127.0.0.1:" + port() + "/v1beta";
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
            serve(req, OPENAI);
        } else if (req.method() == HttpMethod.POST && path.equals("/v1/messages")) {
            serve(req, ANTHROPIC);
        } else if (req.method() == HttpMethod.POST && path.startsWith(GEMINI_PREFIX) && path.contains(":")) {
            String target = path.substring(GEMINI_PREFIX.length());
            String model = target.substring(0, target.lastIndexOf(':'));
            String method = target.substring(target.lastIndexOf(':') + 1);
            if (method.equals("generateContent") || method.equals("streamGenerateContent")) {
                serve(req, new GeminiFormat(model, method.equals("streamGenerateContent")));
            } else {
                error(req.response(), 404, "invalid_request_error", "unknown method " + method);
            }
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

    private void serve(HttpServerRequest req, WireFormat format) {
        req.body().onSuccess(body -> answer(req, format, body)).onFailure(e -> reject(req, format, 400,
                "could not read the body: " + e.getMessage(), 0));
    }

    private void answer(HttpServerRequest req, WireFormat format, Buffer raw) {
        UpstreamBehaviour b = behaviour;
        if (!b.requireApiKey().isEmpty() && !b.requireApiKey().equals(format.apiKey(req))) {
            reject(req, format, 401, "invalid x-api-key or bearer token", 0);
            return;
        }
        JsonObject body;
        Ask ask;
        try {
            body = raw.toJsonObject();
            ask = format.parse(req, body);
        } catch (DecodeException | ClassCastException e) {
            reject(req, format, 400, "the body is not a JSON object", 0);
            return;
        } catch (WireFormat.Rejected e) {
            reject(req, format, e.status, e.getMessage(), 0);
            return;
        }
        long sequence = completions.incrementAndGet();
        remember(req, body);
        if (b.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < b.errorRate()) {
            vertx.setTimer(Math.max(1, b.latencyMs()), t -> reject(req, format, b.errorStatus(),
                    "injected upstream error", b.retryAfterSeconds()));
            return;
        }
        Reply reply = Reply.to(ask, b, sequence);
        String id = "local-" + sequence;
        Runnable respond = ask.stream()
                ? () -> stream(req, new ArrayDeque<>(format.events(reply, id, ask)), b)
                : () -> json(req.response(), 200, format.response(reply, id));
        if (b.latencyMs() > 0) {
            vertx.setTimer(b.latencyMs(), t -> respond.run());
        } else {
            respond.run();
        }
    }

    private static void reject(HttpServerRequest req, WireFormat format, int status, String message, int retryAfter) {
        if (retryAfter > 0 && format.retryAfterHeader(status)) {
            req.response().putHeader("retry-after", String.valueOf(retryAfter));
        }
        json(req.response(), status, format.error(status, message, retryAfter));
    }

    private synchronized void remember(HttpServerRequest req, JsonObject body) {
        if (recent.size() == KEPT_REQUESTS) {
            recent.removeFirst();
        }
        JsonObject headers = new JsonObject();
        for (String name : List.of("x-api-key", "anthropic-version", "x-goog-api-key", "accept")) {
            if (req.getHeader(name) != null) {
                headers.put(name, req.getHeader(name));
            }
        }
        recent.addLast(new JsonObject().put("path", req.uri()).put("body", body)
                .put("authorization", req.getHeader("authorization")).put("headers", headers));
    }

    private void stream(HttpServerRequest req, Deque<String> events, UpstreamBehaviour b) {
        req.response().setStatusCode(200).putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache").setChunked(true);
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
            events.forEach(all::append);
            response.end(all.toString());
            return;
        }
        String next = events.removeFirst();
        if (next == CUT) {
            req.connection().close(); // the connection drops mid-answer: no clean end
            return;
        }
        Future<Void> written = response.write(next);
        if (events.isEmpty()) {
            written.onComplete(r -> response.end());
        } else {
            vertx.setTimer(Math.max(1, chunkDelayMs), t -> sendEvents(req, events, chunkDelayMs));
        }
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
