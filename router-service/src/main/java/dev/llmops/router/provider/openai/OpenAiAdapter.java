package dev.llmops.router.provider.openai;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import llmops.common.v1.TokenUsage;

/** OpenAI-compatible chat completions: OpenAI, Azure OpenAI, vLLM, Ollama, Groq, Mistral and the local upstream. */
public final class OpenAiAdapter implements ProviderAdapter {
    private final Vertx vertx;
    private final HttpClient http;

    public OpenAiAdapter(Vertx vertx) {
        this.vertx = vertx;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true).setTcpNoDelay(true).setMaxPoolSize(256).setConnectTimeout(5_000)
                .setTrustAll(false).setVerifyHost(true));
    }

    @Override
    public String wireFormat() {
        return "openai";
    }

    @Override
    public Uni<ChatResult> complete(ProviderCall call) {
        Buffer body = OpenAiWire.toOpenAiRequest(call, false).toBuffer();
        Deadline deadline = new Deadline();
        return onEventLoop(em -> send(call, body, false, deadline).onComplete(ar -> {
            if (ar.failed()) {
                deadline.cancel();
                em.fail(transportError(call, ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            response.body().onComplete(b -> {
                deadline.cancel();
                if (b.failed()) {
                    em.fail(transportError(call, b.cause()));
                } else if (response.statusCode() / 100 != 2) {
                    em.fail(OpenAiWire.error(upstream(call), response.statusCode(), b.result().toString(),
                            response.getHeader("retry-after")));
                } else {
                    try {
                        em.complete(OpenAiWire.fromOpenAiResponse(b.result().toJsonObject()));
                    } catch (DecodeException | ClassCastException e) {
                        String text = b.result().toString();
                        em.fail(Status.INTERNAL.withDescription(upstream(call) + " answered with unreadable JSON: "
                                + (text.length() > 120 ? text.substring(0, 120) + "..." : text)).asRuntimeException());
                    } catch (StatusRuntimeException e) {
                        em.fail(e);
                    }
                }
            });
        }));
    }

    @Override
    public Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas) {
        Buffer body = OpenAiWire.toOpenAiRequest(call, true).toBuffer();
        Deadline deadline = new Deadline();
        return onEventLoop(em -> send(call, body, true, deadline).onComplete(ar -> {
            if (ar.failed()) {
                deadline.cancel();
                em.fail(transportError(call, ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            if (response.statusCode() / 100 != 2) {
                deadline.cancel();
                response.body().onComplete(b -> em.fail(OpenAiWire.error(upstream(call), response.statusCode(),
                        b.succeeded() ? b.result().toString() : "", response.getHeader("retry-after"))));
                return;
            }
            StreamState state = new StreamState();
            RecordParser lines = RecordParser.newDelimited("\n", line -> {
                if (state.failure == null && !state.done) {
                    state.accept(line.toString().strip(), deltas, call);
                }
            });
            response.handler(lines);
            response.exceptionHandler(e -> {
                deadline.cancel();
                if (!state.ended) {
                    state.ended = true;
                    em.fail(state.failure != null ? state.failure : transportError(call, e));
                }
            });
            response.endHandler(v -> {
                deadline.cancel();
                if (state.ended) {
                    return;
                }
                state.ended = true;
                if (state.failure != null) {
                    em.fail(state.failure);
                } else if (!state.done && state.finishReason == null) {
                    em.fail(Status.UNAVAILABLE.withDescription(upstream(call)
                            + " ended the stream before the answer was complete").asRuntimeException());
                } else {
                    em.complete(new ChatResult(state.content.toString(), state.finishReason == null ? "stop"
                            : state.finishReason, state.usage, state.model));
                }
            });
        }));
    }

    /**
     * Runs the call on a Vert.x event loop, so the response handlers are in place before the first byte can arrive
     * (registered from another thread, they could miss a body that had already been delivered).
     */
    private Uni<ChatResult> onEventLoop(java.util.function.Consumer<io.smallrye.mutiny.subscription.UniEmitter<? super ChatResult>> call) {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        return Uni.createFrom().emitter(em -> context.runOnContext(v -> call.accept(em)));
    }

    /** What one SSE stream has said so far. */
    private static final class StreamState {
        final StringBuilder content = new StringBuilder();
        String finishReason;
        String model = "";
        TokenUsage usage = TokenUsage.getDefaultInstance();
        boolean done;
        boolean ended;
        StatusRuntimeException failure;

        void accept(String line, Consumer<String> deltas, ProviderCall call) {
            if (!line.startsWith("data:")) {
                return; // blank separators, comments, event names
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                done = true;
                return;
            }
            JsonObject chunk;
            try {
                chunk = new JsonObject(data);
            } catch (DecodeException e) {
                failure = Status.INTERNAL.withDescription(upstream(call) + " sent an unreadable stream chunk")
                        .asRuntimeException();
                return;
            }
            if (chunk.getValue("error") instanceof JsonObject error) {
                failure = Status.UNAVAILABLE.withDescription(upstream(call) + " failed mid-stream: "
                        + error.getString("message", "no message")).asRuntimeException();
                return;
            }
            model = chunk.getString("model", model);
            if (chunk.getValue("usage") instanceof JsonObject u) {
                usage = OpenAiWire.usage(u);
            }
            JsonArray choices = chunk.getJsonArray("choices");
            if (choices != null && !choices.isEmpty()) {
                JsonObject choice = choices.getJsonObject(0);
                JsonObject delta = choice.getJsonObject("delta");
                String piece = delta == null ? null : delta.getString("content");
                if (piece != null && !piece.isEmpty()) {
                    content.append(piece);
                    deltas.accept(piece);
                }
                if (choice.getString("finish_reason") != null) {
                    finishReason = choice.getString("finish_reason");
                }
            }
        }
    }

    /** Sends the request; the whole call (including the body or stream) must end before the route's deadline. */
    private io.vertx.core.Future<HttpClientResponse> send(ProviderCall call, Buffer body, boolean stream,
                                                          Deadline deadline) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(call.route().baseUrl() + "/chat/completions")
                .putHeader("content-type", "application/json")
                .putHeader("accept", stream ? "text/event-stream" : "application/json")
                .setIdleTimeout(call.route().timeout().toMillis());
        if (!call.route().apiKey().isEmpty()) {
            options.putHeader("authorization", "Bearer " + call.route().apiKey());
        }
        return http.request(options).compose(request -> {
            deadline.start(vertx, call.route().timeout().toMillis(), () -> request.reset(0,
                    new TimeoutException("timeout: no complete answer within " + call.route().timeout().toMillis() + " ms")));
            return request.send(body);
        });
    }

    /** The timer that resets a call still running at its deadline; cancelled when the call ends. */
    private static final class Deadline {
        private Vertx vertx;
        private long timer = -1;

        void start(Vertx v, long millis, Runnable onExpiry) {
            this.vertx = v;
            this.timer = v.setTimer(millis, t -> onExpiry.run());
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }
    }

    private static StatusRuntimeException transportError(ProviderCall call, Throwable cause) {
        if (cause instanceof StatusRuntimeException s) {
            return s;
        }
        String what = upstream(call);
        if (cause instanceof TimeoutException || cause instanceof io.netty.handler.timeout.TimeoutException
                || String.valueOf(cause.getMessage()).contains("timeout")) {
            return Status.DEADLINE_EXCEEDED.withDescription(what + " did not answer in time: " + cause.getMessage())
                    .asRuntimeException();
        }
        if (cause instanceof ConnectException) {
            return Status.UNAVAILABLE.withDescription(what + " refused the connection: " + cause.getMessage())
                    .asRuntimeException();
        }
        return Status.UNAVAILABLE.withDescription(what + " failed: " + cause).asRuntimeException();
    }

    private static String upstream(ProviderCall call) {
        return "upstream '" + call.route().name() + "' (" + call.route().baseUrl() + ")";
    }
}
