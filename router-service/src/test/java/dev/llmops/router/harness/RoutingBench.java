package dev.llmops.router.harness;

import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.openai.OpenAiAdapter;
import dev.llmops.router.routing.Balance;
import dev.llmops.router.routing.CircuitBreakers;
import dev.llmops.router.routing.CircuitSettings;
import dev.llmops.router.routing.Deployment;
import dev.llmops.router.routing.ErrorKind;
import dev.llmops.router.routing.LoadBalancer;
import dev.llmops.router.routing.RetryPolicy;
import dev.llmops.router.routing.RouteExecutor;
import dev.llmops.router.routing.RoutePlan;
import dev.llmops.router.tiering.DifficultyClassifier;
import dev.llmops.router.tiering.LabelledPrompts;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;

/**
 * What routing adds to an upstream call, measured in one run against the same local upstream (no latency):
 * the adapter called directly (the baseline), then through {@link RouteExecutor} with one target and with three
 * latency-balanced deployments (circuit breakers on, state in the real Redis), sequential calls, one in flight.
 * Then the in-process parts alone: difficulty scoring (tiering) and balancing.
 *
 * <p>Run: {@code ./mvnw -B -q -pl router-service -am package -DskipTests -Pharness -Dharness=RoutingBench}
 * ({@code -Dharness.args="--calls 5000"}; Redis from LLMOPS_REDIS_URL, default redis://127.0.0.1:6379).
 */
public final class RoutingBench {

    public static void main(String[] args) throws Exception {
        int calls = args.length >= 2 && args[0].equals("--calls") ? Integer.parseInt(args[1]) : 5000;
        Vertx vertx = Vertx.vertx();
        LocalUpstream upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults().with(
                new io.vertx.core.json.JsonObject().put("answer", "ok")));
        Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(
                System.getenv().getOrDefault("LLMOPS_REDIS_URL", "redis://127.0.0.1:6379")));
        try {
            OpenAiAdapter adapter = new OpenAiAdapter(vertx);
            Route route = new Route("bench", "openai", upstream.baseUrl(), "bench-model", "", Duration.ofSeconds(5));
            List<ChatMessage> messages = List.of(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("hi").build());
            ProviderCall direct = new ProviderCall(route, messages, GenerationParameters.getDefaultInstance(), "");
            CircuitBreakers breakers = new CircuitBreakers(vertx, redis, "llmops_bench_" + System.nanoTime() + ":",
                    CircuitSettings.defaults());
            RouteExecutor executor = new RouteExecutor(vertx, (call, deltas) -> adapter.complete(call), breakers,
                    new LoadBalancer());
            Set<ErrorKind> fallbackOn = Set.of(ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT, ErrorKind.RATE_LIMITED);
            RetryPolicy retry = new RetryPolicy(2, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5),
                    Set.of(ErrorKind.SERVER_ERROR));
            RoutePlan one = new RoutePlan("bench", List.of(Deployment.of(route, 1, 0)), Balance.WEIGHTED, retry, fallbackOn, 0, false);
            RoutePlan three = new RoutePlan("bench", List.of(Deployment.of(route, 1, 0),
                    Deployment.of(new Route("bench", "openai", upstream.baseUrl().replace("127.0.0.1", "localhost"),
                            "bench-model", "", Duration.ofSeconds(5)), 1, 0),
                    Deployment.of(new Route("bench", "openai", upstream.baseUrl(), "bench-model-2", "", Duration.ofSeconds(5)), 1, 0)),
                    Balance.LATENCY, retry, fallbackOn, 0, false);
            RouteExecutor.ChatCall call = new RouteExecutor.ChatCall(messages, GenerationParameters.getDefaultInstance(), "");

            System.out.printf(Locale.ROOT, "%d sequential calls each after %d warm-up; local upstream, no latency; load average %s%n%n",
                    calls, calls, loadAverage());
            System.out.println("| path | p50 µs | p90 µs | p99 µs | p50 overhead vs direct | p99 overhead vs direct |");
            System.out.println("|---|---|---|---|---|---|");
            long[] base = measure(calls, () -> adapter.complete(direct));
            print("adapter directly (baseline)", base, base);
            print("RouteExecutor, 1 target, breakers in Redis", measure(calls, () -> executor.execute(one, call, null, d -> { })), base);
            print("RouteExecutor, 3 deployments, latency-balanced", measure(calls, () -> executor.execute(three, call, null, d -> { })), base);
            long[] again = measure(calls, () -> adapter.complete(direct));
            print("adapter directly (again: run-to-run noise)", again, base);

            System.out.println();
            DifficultyClassifier classifier = DifficultyClassifier.shipped(5);
            List<String> prompts = LabelledPrompts.load().stream().map(LabelledPrompts.Example::text).toList();
            long[] scoring = new long[prompts.size() * 50];
            for (int warm = 0; warm < 50; warm++) {
                prompts.forEach(classifier::score);
            }
            for (int i = 0; i < scoring.length; i++) {
                long start = System.nanoTime();
                classifier.score(prompts.get(i % prompts.size()));
                scoring[i] = System.nanoTime() - start;
            }
            Arrays.sort(scoring);
            System.out.printf(Locale.ROOT, "difficulty score (tiering), %d labelled prompts x 50: p50 %.1f µs, p99 %.1f µs%n",
                    prompts.size(), scoring[scoring.length / 2] / 1000.0, scoring[(int) (scoring.length * 0.99)] / 1000.0);
            LoadBalancer lb = new LoadBalancer();
            long[] balancing = new long[200_000];
            for (int i = 0; i < balancing.length; i++) {
                long start = System.nanoTime();
                lb.order(three.deployments(), Balance.LATENCY);
                balancing[i] = System.nanoTime() - start;
            }
            Arrays.sort(balancing);
            System.out.printf(Locale.ROOT, "latency-aware order of 3 deployments: p50 %d ns, p99 %d ns%n",
                    balancing[balancing.length / 2], balancing[(int) (balancing.length * 0.99)]);
        } finally {
            redis.close();
            upstream.close();
            vertx.close();
        }
    }

    static long[] measure(int calls, Supplier<Uni<ChatResult>> call) {
        for (int i = 0; i < calls; i++) {
            call.get().await().atMost(Duration.ofSeconds(5));
        }
        long[] t = new long[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            call.get().await().atMost(Duration.ofSeconds(5));
            t[i] = System.nanoTime() - start;
        }
        Arrays.sort(t);
        return t;
    }

    static void print(String name, long[] t, long[] base) {
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %+d | %+d |%n", name, p(t, 0.5), p(t, 0.9), p(t, 0.99),
                p(t, 0.5) - p(base, 0.5), p(t, 0.99) - p(base, 0.99));
    }

    static long p(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1000;
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "unknown";
        }
    }
}
