package dev.llmops.router.routing;

import dev.llmops.router.Route;
import dev.llmops.router.provider.openai.OpenAiAdapter;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;

/** Test wiring: real Vert.x, the OpenAI adapter over real HTTP, local upstreams, real Redis under a run prefix. */
final class RoutingHarness {
    static final String REDIS_URL = System.getenv().getOrDefault("LLMOPS_REDIS_URL", "redis://127.0.0.1:6379");

    private RoutingHarness() {
    }

    static String prefix() {
        return "llmops_test_routing_" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    static Redis redis(Vertx vertx, String url) {
        return Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolWaiting(256));
    }

    static RouteExecutor.Upstream adapter(Vertx vertx) {
        OpenAiAdapter openAi = new OpenAiAdapter(vertx);
        return (call, deltas) -> deltas == null ? openAi.complete(call) : openAi.stream(call, deltas);
    }

    static Deployment target(LocalUpstream upstream, String model, int priority, Duration timeout) {
        return Deployment.of(new Route("chat", "openai", upstream.baseUrl(), model, "", timeout), 1, priority);
    }

    static Deployment refused(int priority) {
        return Deployment.of(new Route("chat", "openai", "http://127.0.0.1:1/v1", "down-model", "",
                Duration.ofSeconds(2)), 1, priority);
    }

    static RetryPolicy retry(int attempts) {
        return new RetryPolicy(attempts, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(5),
                Set.of(ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.CONNECT));
    }

    static RoutePlan plan(RetryPolicy retry, Deployment... targets) {
        return new RoutePlan("chat", List.of(targets), Balance.WEIGHTED, retry,
                Set.of(ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT), 0, false);
    }

    static RouteExecutor.ChatCall call(String question) {
        return new RouteExecutor.ChatCall(List.of(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(question)
                .build()), GenerationParameters.getDefaultInstance(), "");
    }

    static LocalUpstream upstream() {
        return LocalUpstream.start(0, UpstreamBehaviour.defaults());
    }
}
