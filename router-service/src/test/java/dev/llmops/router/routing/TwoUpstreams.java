package dev.llmops.router.routing;

import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two local upstreams over real HTTP ({@code b} answers "from b") and an executor with circuit breakers off, reset
 * before each test: the fixture of the chain tests (breakers have their own, CircuitBreakerTest).
 */
abstract class TwoUpstreams {
    static final Duration WAIT = Duration.ofSeconds(10);
    static Vertx vertx;
    static LocalUpstream a;
    static LocalUpstream b;
    static RouteExecutor executor;

    static CircuitSettings breakersOff() {
        return new CircuitSettings(false, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10),
                java.util.Set.of(), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        a = RoutingHarness.upstream();
        b = RoutingHarness.upstream();
        executor = new RouteExecutor(vertx, RoutingHarness.adapter(vertx), new CircuitBreakers(vertx, null, "x:",
                breakersOff()), new LoadBalancer());
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        vertx.close();
    }

    @BeforeEach
    void reset() {
        for (LocalUpstream u : List.of(a, b)) {
            u.reset();
            u.behave(UpstreamBehaviour.defaults());
        }
        behave(b, new JsonObject().put("answer", "from b"));
    }

    static void behave(LocalUpstream u, JsonObject change) {
        u.behave(u.behaviour().with(change));
    }
}
