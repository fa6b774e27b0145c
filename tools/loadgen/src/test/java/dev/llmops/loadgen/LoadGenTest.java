package dev.llmops.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import com.google.protobuf.UnknownFieldSet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The driver against the local upstream: it counts what it sends, sees the configured latency, and counts errors. */
class LoadGenTest {
    static LocalUpstream upstream;

    @BeforeAll
    static void start() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults().with(new JsonObject().put("latency_ms", 20)));
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    LoadGen.Result run(String... extra) throws Exception {
        String[] base = {"--url", "http://127.0.0.1:" + upstream.port(), "--duration", "2s", "--warmup", "500ms"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return new LoadGen(LoadOptions.parse(args)).run();
    }

    @Test
    void openLoopSendsAtTheRateAndSeesTheUpstreamLatency() throws Exception {
        upstream.reset();
        LoadGen.Result r = run("--rate", "100", "--unique");
        assertEquals(0, r.errorCount(), r.errors().toString());
        assertTrue(r.ok() >= 190 && r.ok() <= 201, "2 s at 100/s measured, got " + r.ok());
        assertTrue(upstream.completions() >= 240, "warmup requests are sent too: " + upstream.completions());
        assertTrue(r.percentileMs(50) >= 20, "the upstream waits 20 ms: p50 " + r.percentileMs(50));
    }

    @Test
    void errorsAreCountedByKind() throws Exception {
        upstream.behave(upstream.behaviour().with(new JsonObject().put("error_rate", 1.0).put("error_status", 503)));
        try {
            LoadGen.Result r = run("--concurrency", "4");
            assertEquals(0, r.ok());
            assertTrue(r.errors().get("http 503") > 0, r.errors().toString());
        } finally {
            upstream.behave(upstream.behaviour().with(new JsonObject().put("error_rate", 0.0)));
        }
    }

    /** What a minimal gRPC server (HTTP/2 cleartext, prior knowledge) saw of one request. */
    record GrpcCall(String path, String contentType, String te, String model, long role, String content) {
    }

    @Test
    void grpcModeSendsAFramedChatRequestAndCountsNonZeroGrpcStatuses() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<GrpcCall> calls = new CopyOnWriteArrayList<>();
        AtomicReference<String> grpcStatus = new AtomicReference<>("0");
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    try {
                        assertEquals(0, body.getByte(0), "uncompressed");
                        assertEquals(body.length() - 5, body.getInt(1), "the frame's length prefix");
                        UnknownFieldSet request = UnknownFieldSet.parseFrom(body.getBytes(5, body.length()));
                        UnknownFieldSet message = UnknownFieldSet.parseFrom(
                                request.getField(1).getLengthDelimitedList().get(0)); // ChatRequest.messages
                        calls.add(new GrpcCall(req.path(), req.getHeader("content-type"), req.getHeader("te"),
                                request.getField(2).getLengthDelimitedList().get(0).toStringUtf8(), // ChatRequest.model
                                message.getField(1).getVarintList().get(0), // ChatMessage.role
                                message.getField(2).getLengthDelimitedList().get(0).toStringUtf8())); // .content
                        // an empty ChatResponse, then the status in the trailers
                        req.response().putHeader("content-type", "application/grpc")
                                .putTrailer("grpc-status", grpcStatus.get())
                                .end(io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendInt(0));
                    } catch (Exception | AssertionError e) {
                        req.response().setStatusCode(400).end(e.toString());
                    }
                }));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            String[] args = {"--url", "http://127.0.0.1:" + server.actualPort(), "--protocol", "grpc", "--model", "m1",
                "--prompt", "hello", "--rate", "50", "--duration", "1s", "--warmup", "200ms"};
            LoadGen.Result ok = new LoadGen(LoadOptions.parse(args)).run();
            assertEquals(0, ok.errorCount(), ok.errors().toString());
            assertTrue(ok.ok() >= 45, "1 s at 50/s: " + ok.ok());
            assertEquals(new GrpcCall("/llmops.router.v1.RouterService/Chat", "application/grpc", "trailers", "m1", 2,
                    "hello"), calls.get(0));

            grpcStatus.set("8"); // RESOURCE_EXHAUSTED
            LoadGen.Result refused = new LoadGen(LoadOptions.parse(args)).run();
            assertEquals(0, refused.ok());
            assertTrue(refused.errors().getOrDefault("grpc-status 8", 0L) >= 45, refused.errors().toString());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void h2ModeSendsTheOpenAiJsonOverHttp2WithPriorKnowledge() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    seen.add(req.version() + " " + req.path() + " " + req.getHeader("content-type") + " "
                            + new JsonObject(body).getString("model"));
                    req.response().setStatusCode(req.version() == HttpVersion.HTTP_2 ? 200 : 505).end("{}");
                }));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            LoadGen.Result r = new LoadGen(LoadOptions.parse(new String[] {"--url", "http://127.0.0.1:" + server.actualPort(),
                "--protocol", "h2", "--model", "m2", "--rate", "50", "--duration", "1s", "--warmup", "200ms"})).run();
            assertEquals(0, r.errorCount(), r.errors().toString());
            assertTrue(r.ok() >= 45, "1 s at 50/s: " + r.ok());
            assertEquals("HTTP_2 /v1/chat/completions application/json m2", seen.get(0));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void rejectsContradictoryOptions() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(new String[] {"--url", "http://x:1"}));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(
                new String[] {"--url", "http://x:1", "--rate", "5", "--concurrency", "2"}));
    }
}
