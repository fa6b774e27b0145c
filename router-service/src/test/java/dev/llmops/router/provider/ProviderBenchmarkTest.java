package dev.llmops.router.provider;

import dev.llmops.router.Route;
import dev.llmops.router.provider.anthropic.AnthropicAdapter;
import dev.llmops.router.provider.anthropic.AnthropicWire;
import dev.llmops.router.provider.gemini.GeminiAdapter;
import dev.llmops.router.provider.gemini.GeminiWire;
import dev.llmops.router.provider.openai.OpenAiAdapter;
import dev.llmops.router.provider.openai.OpenAiWire;
import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opt-in benchmark of the adapters (a harness, not a timed test: it asserts nothing about speed):
 * {@code ./mvnw -B -pl router-service -am verify -Dtest=ProviderBenchmarkTest -Dbench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * One run measures, against one in-process local upstream with no latency, sequential calls: a raw Vert.x POST of
 * a pre-encoded OpenAI body (the baseline: HTTP and the upstream alone), then each adapter's complete and stream
 * (conversion, HTTP, parsing), and each format's converters alone. Prints a table for the README.
 */
class ProviderBenchmarkTest {
    static final int WARMUP = 3_000;
    static final int CALLS = 10_000;
    static final int CONVERSIONS = 200_000;

    @Test
    void adapters() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("bench"), "opt-in: -Dbench=true");
        LocalUpstream upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults()
                .with(new JsonObject().put("answer", "The capital of France is Paris, on the Seine.")));
        Vertx vertx = Vertx.vertx();
        try {
            UpstreamHttp http = new UpstreamHttp(vertx);
            StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                    "%-28s %10s %10s %10s%n", "path (sequential calls)", "p50 µs", "p99 µs", "mean µs"));
            HttpClient raw = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true));
            ProviderCall openAiCall = call("openai", upstream.baseUrl());
            Buffer body = OpenAiWire.toOpenAiRequest(openAiCall, false).toBuffer();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(upstream.baseUrl() + "/chat/completions").putHeader("content-type", "application/json");
            java.util.LinkedHashMap<String, Supplier<java.util.concurrent.CompletionStage<?>>> paths =
                    new java.util.LinkedHashMap<>();
            paths.put("direct POST (baseline)", () -> raw.request(options).compose(r -> r.send(body))
                    .compose(r -> r.body()).toCompletionStage());
            List<ProviderAdapter> adapters = List.of(new OpenAiAdapter(http), new AnthropicAdapter(http, 1024),
                    new GeminiAdapter(http));
            for (ProviderAdapter a : adapters) {
                String url = a.wireFormat().equals("gemini") ? upstream.geminiBaseUrl() : upstream.baseUrl();
                ProviderCall c = call(a.wireFormat(), url);
                paths.put(a.wireFormat() + " complete", () -> a.complete(c).subscribeAsCompletionStage());
                paths.put(a.wireFormat() + " stream", () -> a.stream(c, d -> { }).subscribeAsCompletionStage());
            }
            for (Supplier<java.util.concurrent.CompletionStage<?>> path : paths.values()) {
                run(path, WARMUP); // every path warm (JIT, pooled connections) before any is measured
            }
            for (java.util.Map.Entry<String, Supplier<java.util.concurrent.CompletionStage<?>>> e : paths.entrySet()) {
                row(table, e.getKey(), measure(e.getValue()));
            }
            table.append(String.format(Locale.ROOT, "%n%-28s %10s%n", "converters alone", "ns/op"));
            JsonObject openAiAnswer = new JsonObject(raw.request(options).compose(r -> r.send(body))
                    .compose(r -> r.body()).toCompletionStage().toCompletableFuture().get().toString());
            ProviderCall anthropicCall = call("anthropic", upstream.baseUrl());
            ProviderCall geminiCall = call("gemini", upstream.geminiBaseUrl());
            JsonObject anthropicAnswer = new JsonObject("{\"type\":\"message\",\"model\":\"m\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"The capital of France is Paris, on the Seine.\"}],\"stop_reason\":\"end_turn\","
                    + "\"usage\":{\"input_tokens\":20,\"output_tokens\":10,\"cache_read_input_tokens\":0}}");
            JsonObject geminiAnswer = new JsonObject("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
                    + "\"The capital of France is Paris, on the Seine.\"}]},\"finishReason\":\"STOP\"}],"
                    + "\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":10},\"modelVersion\":\"m\"}");
            String openAiText = openAiAnswer.encode();
            String anthropicText = anthropicAnswer.encode();
            String geminiText = geminiAnswer.encode();
            // request to wire JSON text, and answer text to ChatResult: what an adapter adds to a call besides HTTP
            convert(table, "openai to+from", () -> {
                OpenAiWire.toOpenAiRequest(openAiCall, false).encode();
                OpenAiWire.fromOpenAiResponse(new JsonObject(openAiText));
            });
            convert(table, "anthropic to+from", () -> {
                AnthropicWire.toAnthropicRequest(anthropicCall, false, 1024).encode();
                AnthropicWire.fromAnthropicResponse(new JsonObject(anthropicText));
            });
            convert(table, "gemini to+from", () -> {
                GeminiWire.toGeminiRequest(geminiCall).encode();
                GeminiWire.fromGeminiResponse("u", new JsonObject(geminiText));
            });
            System.out.println("\n== provider adapters, " + Runtime.getRuntime().availableProcessors()
                    + " cores, load average " + loadAverage() + "\n" + table);
        } finally {
            upstream.close();
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    static ProviderCall call(String provider, String baseUrl) {
        Route route = new Route("bench", provider, baseUrl, "bench-model", "sk-bench", Duration.ofSeconds(10));
        return new ProviderCall(route, List.of(
                ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("You are a concise geography tutor.").build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("What is the capital of France, and which river runs through it?").build()),
                GenerationParameters.newBuilder().setTemperature(0.3).setMaxTokens(128).build(), "user-1");
    }

    static void run(Supplier<java.util.concurrent.CompletionStage<?>> call, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            call.get().toCompletableFuture().get();
        }
    }

    static long[] measure(Supplier<java.util.concurrent.CompletionStage<?>> call) throws Exception {
        long[] micros = new long[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long start = System.nanoTime();
            call.get().toCompletableFuture().get();
            micros[i] = (System.nanoTime() - start) / 1_000;
        }
        Arrays.sort(micros);
        return micros;
    }

    static void row(StringBuilder table, String name, long[] sorted) {
        table.append(String.format(Locale.ROOT, "%-28s %10d %10d %10.0f%n", name, sorted[sorted.length / 2],
                sorted[(int) (sorted.length * 0.99)], Arrays.stream(sorted).average().orElse(0)));
    }

    static void convert(StringBuilder table, String name, Runnable op) {
        for (int i = 0; i < CONVERSIONS / 4; i++) {
            op.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < CONVERSIONS; i++) {
            op.run();
        }
        table.append(String.format(Locale.ROOT, "%-28s %10d%n", name, (System.nanoTime() - start) / CONVERSIONS));
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
