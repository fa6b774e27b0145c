package dev.llmops.router.provider;

import dev.llmops.router.ChatResult;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The HTTP side every adapter shares: one pooled client, the call's deadline over the whole exchange (body or
 * stream included), server-sent events, and transport failures mapped to gRPC codes. Adapters give the URL, the
 * headers, the body and their provider's parsers.
 */
public final class UpstreamHttp {
    private final Vertx vertx;
    private final HttpClient http;

    public UpstreamHttp(Vertx vertx) {
        this.vertx = vertx;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true).setTcpNoDelay(true).setMaxPoolSize(256).setConnectTimeout(5_000)
                .setTrustAll(false).setVerifyHost(true));
    }

    /** Reads an upstream's error answer (status, body, headers) into a status with its own message. */
    @FunctionalInterface
    public interface ErrorParser {
        StatusRuntimeException parse(String upstream, int httpStatus, String body, HttpClientResponse response);
    }

    /** One request to an upstream. */
    public record Request(String url, Map<String, String> headers, JsonObject body) {
    }

    /** POSTs the request and parses the JSON answer. */
    public Uni<ChatResult> complete(ProviderCall call, Request request, Function<JsonObject, ChatResult> parse,
                                    ErrorParser errors) {
        Buffer body = request.body().toBuffer();
        Deadline deadline = new Deadline();
        String upstream = call.upstream();
        return onEventLoop(em -> send(call, request, body, false, deadline).onComplete(ar -> {
            if (ar.failed()) {
                deadline.cancel();
                em.fail(transportFailure(call, deadline, ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            response.body().onComplete(b -> {
                deadline.cancel();
                if (b.failed()) {
                    em.fail(transportFailure(call, deadline, b.cause()));
                } else if (response.statusCode() / 100 != 2) {
                    em.fail(errors.parse(upstream, response.statusCode(), b.result().toString(), response));
                } else {
                    try {
                        em.complete(parse.apply(b.result().toJsonObject()));
                    } catch (DecodeException | ClassCastException | NullPointerException e) {
                        em.fail(UpstreamErrors.unreadable(upstream, "an unreadable answer", b.result().toString()));
                    } catch (StatusRuntimeException e) {
                        em.fail(e);
                    }
                }
            });
        }));
    }

    /**
     * POSTs the request and feeds the server-sent events to {@code decoder}; completes with its result once the
     * upstream ended a complete stream, or fails (an upstream that ends early or drops the connection is UNAVAILABLE).
     */
    public Uni<ChatResult> stream(ProviderCall call, Request request, StreamDecoder decoder, ErrorParser errors) {
        Buffer body = request.body().toBuffer();
        Deadline deadline = new Deadline();
        String upstream = call.upstream();
        return onEventLoop(em -> send(call, request, body, true, deadline).onComplete(ar -> {
            if (ar.failed()) {
                deadline.cancel();
                em.fail(transportFailure(call, deadline, ar.cause()));
                return;
            }
            HttpClientResponse response = ar.result();
            if (response.statusCode() / 100 != 2) {
                deadline.cancel();
                response.body().onComplete(b -> em.fail(errors.parse(upstream, response.statusCode(),
                        b.succeeded() ? b.result().toString() : "", response)));
                return;
            }
            StreamOutcome outcome = new StreamOutcome();
            ServerSentEvents events = new ServerSentEvents((event, data) -> {
                if (outcome.failure != null) {
                    return;
                }
                try {
                    decoder.onEvent(event, data);
                } catch (StatusRuntimeException e) {
                    outcome.failure = e;
                } catch (DecodeException | ClassCastException | NullPointerException e) {
                    outcome.failure = UpstreamErrors.unreadable(upstream, "an unreadable stream event", data);
                }
                if (outcome.failure != null) {
                    // stop reading: the answer is lost either way, and the connection must not stay busy
                    deadline.cancel();
                    outcome.end(em, null);
                    response.request().reset();
                }
            });
            response.handler(events::feed);
            response.exceptionHandler(e -> {
                deadline.cancel();
                if (outcome.failure == null && decoder.complete()) {
                    outcome.complete(em, decoder); // the whole answer arrived before the connection dropped
                } else {
                    outcome.end(em, transportFailure(call, deadline, e));
                }
            });
            response.endHandler(v -> {
                deadline.cancel();
                if (outcome.failure == null && !decoder.complete()) {
                    outcome.failure = deadline.expired
                            ? transportFailure(call, deadline, null)
                            : UpstreamErrors.failure(io.grpc.Status.UNAVAILABLE.withDescription(upstream
                                    + " ended the stream before the answer was complete"), "5xx", -1);
                }
                if (outcome.failure != null) {
                    outcome.end(em, null);
                } else {
                    outcome.complete(em, decoder);
                }
            });
        }));
    }

    /** A transport failure; once the deadline has fired, whatever the reset caused is DEADLINE_EXCEEDED. */
    private static StatusRuntimeException transportFailure(ProviderCall call, Deadline deadline, Throwable cause) {
        if (deadline.expired || cause == null) {
            return UpstreamErrors.transport(call.upstream(), new TimeoutException("timeout: no complete answer within "
                    + call.route().timeout().toMillis() + " ms"));
        }
        return UpstreamErrors.transport(call.upstream(), cause);
    }

    /** How a stream ended; the emitter is told exactly once. */
    private static final class StreamOutcome {
        StatusRuntimeException failure;
        boolean ended;

        void end(UniEmitter<? super ChatResult> em, StatusRuntimeException cause) {
            if (ended) {
                return;
            }
            ended = true;
            em.fail(failure != null ? failure : cause);
        }

        void complete(UniEmitter<? super ChatResult> em, StreamDecoder decoder) {
            if (ended) {
                return;
            }
            ended = true;
            try {
                em.complete(decoder.result());
            } catch (StatusRuntimeException e) {
                em.fail(e);
            }
        }
    }

    /**
     * Runs the call on a Vert.x event loop, so the response handlers are in place before the first byte can arrive
     * (registered from another thread, they could miss a body that had already been delivered).
     */
    private static Uni<ChatResult> onEventLoop(Vertx vertx, Consumer<UniEmitter<? super ChatResult>> call) {
        Context context = vertx.getOrCreateContext();
        return Uni.createFrom().emitter(em -> context.runOnContext(v -> call.accept(em)));
    }

    private Uni<ChatResult> onEventLoop(Consumer<UniEmitter<? super ChatResult>> call) {
        return onEventLoop(vertx, call);
    }

    /** Sends the request; the whole call (including the body or stream) must end before the route's deadline. */
    private Future<HttpClientResponse> send(ProviderCall call, Request request, Buffer body, boolean stream,
                                            Deadline deadline) {
        long timeoutMs = call.route().timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(request.url())
                .putHeader("content-type", "application/json")
                .putHeader("accept", stream ? "text/event-stream" : "application/json")
                .setIdleTimeout(timeoutMs);
        request.headers().forEach(options::putHeader);
        return http.request(options).compose(r -> {
            deadline.start(vertx, timeoutMs, () -> r.reset(0,
                    new TimeoutException("timeout: no complete answer within " + timeoutMs + " ms")));
            return r.send(body);
        });
    }

    /** The timer that resets a call still running at its deadline; cancelled when the call ends. */
    private static final class Deadline {
        private Vertx vertx;
        private long timer = -1;
        boolean expired;

        void start(Vertx v, long millis, Runnable onExpiry) {
            this.vertx = v;
            this.timer = v.setTimer(millis, t -> {
                expired = true;
                onExpiry.run();
            });
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
