package dev.llmops.router.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.Route;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
    static Deployment d(String name, int weight) {
        return Deployment.of(new Route("m", "openai", "http://" + name, name, "", Duration.ofSeconds(1)), weight, 0);
    }

    @Test
    void weightedSharesFollowTheWeightsAndTheRestFollowAsFallbacks() {
        LoadBalancer lb = new LoadBalancer();
        List<Deployment> group = List.of(d("a", 3), d("b", 1));
        Map<String, Integer> first = new HashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < 4000; i++) {
            List<Deployment> order = lb.order(group, Balance.WEIGHTED, random);
            assertEquals(2, order.size(), "every deployment stays in the order, as a fallback");
            first.merge(order.get(0).route().upstreamModel(), 1, Integer::sum);
        }
        double shareA = first.get("a") / 4000.0;
        assertTrue(shareA > 0.72 && shareA < 0.78, "a has weight 3 of 4: " + shareA);
    }

    @Test
    void latencyAwarePrefersTheFasterOfTwoChoices() {
        LoadBalancer lb = new LoadBalancer();
        Deployment slow = d("slow", 1);
        Deployment fast = d("fast", 1);
        Deployment mid = d("mid", 1);
        for (int i = 0; i < 10; i++) {
            lb.observe(slow, 80_000_000, false);
            lb.observe(fast, 5_000_000, false);
            lb.observe(mid, 20_000_000, false);
        }
        Map<String, Integer> first = new HashMap<>();
        Random random = new Random(1);
        for (int i = 0; i < 3000; i++) {
            first.merge(lb.order(List.of(slow, fast, mid), Balance.LATENCY, random).get(0).route().upstreamModel(), 1, Integer::sum);
        }
        // power of two choices over 3: the fastest wins whenever drawn (2/3), the slowest never
        assertEquals(null, first.get("slow"));
        double fastShare = first.get("fast") / 3000.0;
        assertTrue(fastShare > 0.62 && fastShare < 0.71, "fast is in 2 of 3 pairs: " + fastShare);
        lb.observe(fast, 500_000_000, true); // a failure counts as a slow call
        assertTrue(lb.score(fast) > lb.score(mid));
    }

    @Test
    void latencyAwareRoutingMovesTrafficToTheFasterDeploymentEndToEnd() {
        Vertx vertx = Vertx.vertx();
        LocalUpstream slow = LocalUpstream.start(0, UpstreamBehaviour.defaults().with(new JsonObject().put("latency_ms", 40)));
        LocalUpstream fast = LocalUpstream.start(0, UpstreamBehaviour.defaults());
        try {
            CircuitSettings off = new CircuitSettings(false, 5, Duration.ofSeconds(1), Duration.ofSeconds(1),
                    Duration.ofSeconds(1), Set.of(), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(1));
            RouteExecutor executor = new RouteExecutor(vertx, RoutingHarness.adapter(vertx),
                    new CircuitBreakers(vertx, null, "x:", off), new LoadBalancer());
            RoutePlan plan = new RoutePlan("chat", List.of(RoutingHarness.target(slow, "s", 0, Duration.ofSeconds(5)),
                    RoutingHarness.target(fast, "f", 0, Duration.ofSeconds(5))), Balance.LATENCY, RetryPolicy.none(),
                    Set.of(ErrorKind.SERVER_ERROR), 0, false);
            for (int i = 0; i < 60; i++) {
                executor.execute(plan, RoutingHarness.call("q"), null, x -> { }).await().atMost(Duration.ofSeconds(5));
            }
            assertTrue(fast.completions() >= 50, "most calls went to the fast deployment: fast " + fast.completions()
                    + ", slow " + slow.completions());
            assertTrue(slow.completions() >= 1, "the slow one was tried (a new deployment scores 0)");
        } finally {
            slow.close();
            fast.close();
            vertx.close();
        }
    }
}
