package dev.llmops.router.provider.gemini;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.UpstreamHttp;
import io.smallrye.mutiny.Uni;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Google Gemini API: {@code POST {base}/models/{model}:generateContent} and
 * {@code :streamGenerateContent?alt=sse}, with {@code x-goog-api-key}.
 */
public final class GeminiAdapter implements ProviderAdapter {
    private final UpstreamHttp http;

    public GeminiAdapter(UpstreamHttp http) {
        this.http = http;
    }

    @Override
    public String wireFormat() {
        return "gemini";
    }

    @Override
    public Uni<ChatResult> complete(ProviderCall call) {
        String upstream = call.upstream();
        return http.complete(call, request(call, ":generateContent"), body -> GeminiWire.fromGeminiResponse(upstream, body),
                (u, status, body, response) -> GeminiWire.error(u, status, body, response.getHeader("retry-after")));
    }

    @Override
    public Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas) {
        return http.stream(call, request(call, ":streamGenerateContent?alt=sse"),
                new GeminiStreamDecoder(call.upstream(), deltas),
                (u, status, body, response) -> GeminiWire.error(u, status, body, response.getHeader("retry-after")));
    }

    private static UpstreamHttp.Request request(ProviderCall call, String method) {
        Map<String, String> headers = call.route().apiKey().isEmpty() ? Map.of()
                : Map.of("x-goog-api-key", call.route().apiKey());
        String model = URLEncoder.encode(call.route().upstreamModel(), StandardCharsets.UTF_8);
        return new UpstreamHttp.Request(call.route().baseUrl() + "/models/" + model + method, headers,
                GeminiWire.toGeminiRequest(call));
    }
}
