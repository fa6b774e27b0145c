package dev.llmops.router.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything the router is configured with, under {@code llmops.router}. */
@ConfigMapping(prefix = "llmops.router")
public interface RouterConfig {

    /** API keys by key id. Only the SHA-256 of each key is configured, never the key itself. */
    Map<String, ApiKey> keys();

    /** Routes by the model name clients ask for. */
    Map<String, Route> routes();

    Deadlines deadlines();

    /**
     * The pipeline steps to run, from usage-event, input-guard, cache, budget, output-guard (always run in that
     * order). {@code none} runs none: a pass-through router (key check, route, provider), as the benchmark uses.
     */
    @WithDefault("usage-event,input-guard,cache,budget,output-guard")
    Optional<List<String>> steps();

    /** max_tokens assumed for the budget reservation when a request sets none. */
    @WithDefault("1024")
    int defaultMaxTokens();

    /** How long a cached answer lives (0 = the cache-service's default). */
    @WithDefault("0")
    int cacheTtlSeconds();

    interface ApiKey {
        /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
        String sha256();

        String tenant();
    }

    interface Route {
        /** Wire format of the upstream: {@code openai} (OpenAI-compatible: OpenAI, vLLM, Ollama, Azure...). */
        @WithDefault("openai")
        String provider();

        /** Base URL up to and including the version, e.g. {@code https://api.openai.com/v1}. */
        String baseUrl();

        /** The model name sent upstream and priced by the cost-service; defaults to the route name. */
        Optional<String> upstreamModel();

        /** The environment variable holding the upstream's API key, if it needs one. */
        Optional<String> apiKeyEnv();

        /** Deadline for the whole upstream call. */
        @WithDefault("60s")
        Duration timeout();
    }

    interface Deadlines {
        @WithDefault("2s")
        Duration guardrail();

        @WithDefault("500ms")
        Duration cache();

        @WithDefault("2s")
        Duration cost();
    }
}
