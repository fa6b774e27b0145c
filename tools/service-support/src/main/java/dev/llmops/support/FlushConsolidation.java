package dev.llmops.support;

import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One socket write per gRPC response instead of three. On the shared HTTP port Vert.x flushes each HTTP/2 frame of a
 * response on its own (headers, message, trailers) whenever the response is written outside a read of that
 * connection, which is always the case for a service that first waits for Redis: three {@code writev} calls, and up
 * to three wake-ups of the caller, per unary call. Netty's {@link FlushConsolidationHandler}, put at the head of
 * each connection's pipeline, turns the flushes made in one event-loop task into one.
 * <p>
 * Installed from the first request of each connection (a route ahead of every other, gRPC's included); costs one
 * channel-attribute check per request. {@code llmops.http.consolidate-flushes=false} turns it off.
 */
@ApplicationScoped
public class FlushConsolidation {
    private static final AttributeKey<Boolean> INSTALLED = AttributeKey.valueOf("llmops.flush-consolidation");
    /** Flush at the latest after this many consolidated flushes, even while a read is still in progress. */
    private static final int MAX_HELD_FLUSHES = 64;

    void install(@Observes Router router,
                 @ConfigProperty(name = "llmops.http.consolidate-flushes", defaultValue = "true") boolean enabled) {
        if (!enabled) {
            return;
        }
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            installOn(ctx.request().connection());
            ctx.next();
        });
    }

    static void installOn(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            Channel channel = base.channel();
            if (channel.attr(INSTALLED).setIfAbsent(Boolean.TRUE) == null) {
                channel.pipeline().addFirst("llmops-flush-consolidation",
                        new FlushConsolidationHandler(MAX_HELD_FLUSHES, true));
            }
        }
    }
}
