package dev.llmops.router.provider;

import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts one local upstream for a {@code @QuarkusTest} and routes {@code via-openai}, {@code via-anthropic} and
 * {@code via-gemini} to it, one per wire format, plus a shaping route and three tiered ones; the router runs
 * pass-through ({@code steps=none}) so the test sees the provider path alone.
 */
public class LocalUpstreamResource implements QuarkusTestResourceLifecycleManager {
    static volatile LocalUpstream upstream;

    @Override
    public Map<String, String> start() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults());
        Map<String, String> config = new HashMap<>();
        config.put("llmops.router.steps", "none");
        for (String format : new String[] {"openai", "anthropic", "gemini"}) {
            String route = "llmops.router.routes.via-" + format + ".";
            config.put(route + "provider", format);
            config.put(route + "base-url", format.equals("gemini") ? upstream.geminiBaseUrl() : upstream.baseUrl());
            config.put(route + "upstream-model", "local-model");
            config.put(route + "timeout", "5s");
        }
        // a route that caps max_tokens and compacts prompts (RouteShapingThroughRouterTest)
        config.put("llmops.router.routes.shaped.base-url", upstream.baseUrl());
        config.put("llmops.router.routes.shaped.upstream-model", "shaped-model");
        config.put("llmops.router.routes.shaped.max-tokens-cap", "50");
        config.put("llmops.router.routes.shaped.compaction", "true");
        // tiered routing: "auto" picks one of three routes, told apart by the model the upstream echoes
        for (String tier : new String[] {"cheap", "mid", "premium"}) {
            config.put("llmops.router.routes.tier-" + tier + ".base-url", upstream.baseUrl());
            config.put("llmops.router.routes.tier-" + tier + ".upstream-model", tier + "-model");
            config.put("llmops.router.tiering.policies.default." + tier, "tier-" + tier);
        }
        return config;
    }

    @Override
    public void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }
}
