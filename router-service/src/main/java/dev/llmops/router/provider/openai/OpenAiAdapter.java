package dev.llmops.router.provider.openai;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.UpstreamHttp;
import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.function.Consumer;

/**
 * OpenAI-compatible chat completions ({@code POST {base}/chat/completions}, {@code authorization: Bearer}): OpenAI,
 * Azure OpenAI (v1 API), vLLM, Ollama, Groq, Mistral and the local upstream.
 */
public final class OpenAiAdapter implements ProviderAdapter {
    private final UpstreamHttp http;

    public OpenAiAdapter(UpstreamHttp http) {
        this.http = http;
    }

    /** With its own HTTP client (tests, tools). */
    public OpenAiAdapter(io.vertx.core.Vertx vertx) {
        this(new UpstreamHttp(vertx));
    }

    @Override
    public String wireFormat() {
        return "openai";
    }

    @Override
    public Uni<ChatResult> complete(ProviderCall call) {
        return http.complete(call, request(call, false), OpenAiWire::fromOpenAiResponse, OpenAiAdapter::error);
    }

    @Override
    public Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas) {
        return http.stream(call, request(call, true), new OpenAiStreamDecoder(call.upstream(), deltas),
                OpenAiAdapter::error);
    }

    private static UpstreamHttp.Request request(ProviderCall call, boolean stream) {
        Map<String, String> headers = call.route().apiKey().isEmpty() ? Map.of()
                : Map.of("authorization", "Bearer " + call.route().apiKey());
        return new UpstreamHttp.Request(call.route().baseUrl() + "/chat/completions", headers,
                OpenAiWire.toOpenAiRequest(call, stream));
    }

    private static io.grpc.StatusRuntimeException error(String upstream, int status, String body,
                                                        io.vertx.core.http.HttpClientResponse response) {
        return OpenAiWire.error(upstream, status, body, response.getHeader("retry-after"),
                response.getHeader("retry-after-ms"));
    }
}
