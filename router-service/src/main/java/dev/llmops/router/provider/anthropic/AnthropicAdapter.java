package dev.llmops.router.provider.anthropic;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.UpstreamHttp;
import io.smallrye.mutiny.Uni;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** Anthropic Messages API: {@code POST {base}/messages} with {@code x-api-key} and {@code anthropic-version}. */
public final class AnthropicAdapter implements ProviderAdapter {
    /** The API version every request names; the Messages API's stable one. */
    public static final String VERSION = "2023-06-01";

    private final UpstreamHttp http;
    private final int defaultMaxTokens;

    /** @param defaultMaxTokens max_tokens when a request sets none (Anthropic requires it): the budget's assumption */
    public AnthropicAdapter(UpstreamHttp http, int defaultMaxTokens) {
        this.http = http;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public String wireFormat() {
        return "anthropic";
    }

    @Override
    public Uni<ChatResult> complete(ProviderCall call) {
        return http.complete(call, request(call, false), AnthropicWire::fromAnthropicResponse,
                (upstream, status, body, response) -> AnthropicWire.error(upstream, status, body,
                        response.getHeader("retry-after")));
    }

    @Override
    public Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas) {
        return http.stream(call, request(call, true), new AnthropicStreamDecoder(call.upstream(), deltas),
                (upstream, status, body, response) -> AnthropicWire.error(upstream, status, body,
                        response.getHeader("retry-after")));
    }

    private UpstreamHttp.Request request(ProviderCall call, boolean stream) {
        Map<String, String> headers = new HashMap<>();
        headers.put("anthropic-version", VERSION);
        if (!call.route().apiKey().isEmpty()) {
            headers.put("x-api-key", call.route().apiKey());
        }
        return new UpstreamHttp.Request(call.route().baseUrl() + "/messages", headers,
                AnthropicWire.toAnthropicRequest(call, stream, defaultMaxTokens));
    }
}
