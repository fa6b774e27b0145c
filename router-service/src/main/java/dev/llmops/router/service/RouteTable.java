package dev.llmops.router.service;

import dev.llmops.router.Route;
import dev.llmops.router.config.RouterConfig;
import dev.llmops.router.provider.Providers;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Model names clients may ask for, resolved once at start from config (credentials from the environment). */
@ApplicationScoped
public class RouteTable {
    private final Map<String, Route> routes;

    public RouteTable(RouterConfig config, Providers providers) {
        Map<String, Route> resolved = new TreeMap<>();
        config.routes().forEach((name, r) -> {
            if (!providers.supports(r.provider())) {
                throw new IllegalStateException("route '" + name + "' names unknown provider '" + r.provider() + "'");
            }
            String apiKey = r.apiKeyEnv().map(System::getenv).orElse("");
            String baseUrl = r.baseUrl().endsWith("/") ? r.baseUrl().substring(0, r.baseUrl().length() - 1) : r.baseUrl();
            resolved.put(name, new Route(name, r.provider(), baseUrl, r.upstreamModel().orElse(name),
                    apiKey == null ? "" : apiKey, r.timeout()));
        });
        this.routes = Map.copyOf(resolved);
    }

    /** The route for a model name, or INVALID_ARGUMENT naming the models there are. */
    public Route resolve(String model) {
        if (model == null || model.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("'model' is required; available models: " + names())
                    .asRuntimeException();
        }
        Route route = routes.get(model);
        if (route == null) {
            throw Status.INVALID_ARGUMENT.withDescription("unknown model '" + model + "'; available models: " + names())
                    .asRuntimeException();
        }
        return route;
    }

    public Set<String> names() {
        return new java.util.TreeSet<>(routes.keySet());
    }
}
