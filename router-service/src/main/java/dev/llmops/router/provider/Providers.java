package dev.llmops.router.provider;

import dev.llmops.router.ChatResult;
import dev.llmops.router.config.RouterConfig;
import dev.llmops.router.provider.anthropic.AnthropicAdapter;
import dev.llmops.router.provider.gemini.GeminiAdapter;
import dev.llmops.router.provider.openai.OpenAiAdapter;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The registered adapters, by wire format. Adding a provider is one folder and one line here. */
@ApplicationScoped
public class Providers {
    private final Map<String, ProviderAdapter> adapters;

    @jakarta.inject.Inject
    public Providers(Vertx vertx, RouterConfig config) {
        this(vertx, config.defaultMaxTokens());
    }

    /** Outside CDI (tests): Anthropic's required max_tokens defaults to 1024, the router's default. */
    public Providers(Vertx vertx) {
        this(vertx, 1024);
    }

    private Providers(Vertx vertx, int defaultMaxTokens) {
        Map<String, ProviderAdapter> byFormat = new TreeMap<>();
        all(new UpstreamHttp(vertx), defaultMaxTokens).forEach(a -> byFormat.put(a.wireFormat(), a));
        this.adapters = Map.copyOf(byFormat);
    }

    /** Every adapter, sharing one HTTP client. */
    public static List<ProviderAdapter> all(UpstreamHttp http, int defaultMaxTokens) {
        return List.of(new OpenAiAdapter(http), new AnthropicAdapter(http, defaultMaxTokens), new GeminiAdapter(http));
    }

    public boolean supports(String wireFormat) {
        return adapters.containsKey(wireFormat);
    }

    public java.util.Set<String> wireFormats() {
        return new java.util.TreeSet<>(adapters.keySet());
    }

    public Uni<ChatResult> complete(ProviderCall call) {
        return adapter(call).complete(call);
    }

    public Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas) {
        return adapter(call).stream(call, deltas);
    }

    private ProviderAdapter adapter(ProviderCall call) {
        ProviderAdapter adapter = adapters.get(call.route().provider());
        if (adapter == null) {
            throw Status.FAILED_PRECONDITION.withDescription("route '" + call.route().name()
                    + "' names provider '" + call.route().provider() + "', which this router does not have; known: "
                    + adapters.keySet()).asRuntimeException();
        }
        return adapter;
    }
}
