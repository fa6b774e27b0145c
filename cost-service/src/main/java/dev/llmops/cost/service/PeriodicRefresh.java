package dev.llmops.cost.service;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Keeps an in-memory view fresh: runs its refresh once at start (waiting for it), then every interval (at least 1 s)
 * on a Vert.x timer. A refresh handles its own failures (it keeps what it had and logs), so a tick never throws.
 */
final class PeriodicRefresh {
    private final Vertx vertx;
    private long timer = -1;

    PeriodicRefresh(Vertx vertx) {
        this.vertx = vertx;
    }

    void start(Duration interval, Supplier<Uni<Void>> refresh) {
        refresh.get().await().indefinitely();
        timer = vertx.setPeriodic(Math.max(1000, interval.toMillis()),
                id -> refresh.get().subscribe().with(x -> { }, e -> { }));
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
