package dev.llmops.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real Vert.x HTTP/2 (h2c) server: the handler lands at the head of the connection's pipeline, once. */
class FlushConsolidationTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void installsOncePerConnectionAtThePipelineHead() throws Exception {
        assertEquals("llmops-flush-consolidation 1", ask(true) + " " + ask(true));
    }

    @Test
    void staysOffWhenDisabled() throws Exception {
        assertEquals("none 0", ask(false) + " " + ask(false));
    }

    private HttpServer server;

    /** The name of the first handler of the serving connection's pipeline, then how many consolidation handlers it holds. */
    private String ask(boolean enabled) throws Exception {
        if (server == null) {
            Router router = Router.router(vertx);
            new FlushConsolidation().install(router, enabled);
            router.route("/pipeline").handler(ctx -> {
                var pipeline = ((ConnectionBase) ctx.request().connection()).channel().pipeline();
                long count = pipeline.names().stream().filter("llmops-flush-consolidation"::equals).count();
                String first = pipeline.names().get(0);
                ctx.response().end(first.equals("llmops-flush-consolidation") ? first : (count == 0 ? "none" : first));
            });
            router.route("/count").handler(ctx -> ctx.response().end(String.valueOf(
                    ((ConnectionBase) ctx.request().connection()).channel().pipeline().names().stream()
                            .filter("llmops-flush-consolidation"::equals).count())));
            server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false));
            return get("/pipeline");
        }
        return get("/count");
    }

    private io.vertx.core.http.HttpClient client;

    private String get(String path) throws Exception {
        return client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", path)
                .compose(r -> r.send().compose(resp -> {
                    assertEquals(HttpVersion.HTTP_2, resp.version());
                    return resp.body();
                }))
                .map(Object::toString).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
