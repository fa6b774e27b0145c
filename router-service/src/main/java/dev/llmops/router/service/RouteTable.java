package dev.llmops.router.service;

import dev.llmops.router.Route;
import dev.llmops.router.config.RouterConfig;
import dev.llmops.router.provider.Providers;
import dev.llmops.router.routing.Balance;
import dev.llmops.router.routing.Deployment;
import dev.llmops.router.routing.ErrorKind;
import dev.llmops.router.routing.RetryPolicy;
import dev.llmops.router.routing.RoutePlan;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Model names clients may ask for, resolved once at start from config (credentials from the environment) into
 * route plans: each a fallback chain of targets. A route with {@code base-url} is a chain of one.
 */
@ApplicationScoped
public class RouteTable {
    private final Map<String, RoutePlan> plans;

    public RouteTable(RouterConfig config, Providers providers) {
        Map<String, RoutePlan> resolved = new TreeMap<>();
        config.routes().forEach((name, r) -> resolved.put(name, plan(name, r, providers)));
        this.plans = Map.copyOf(resolved);
    }

    static RoutePlan plan(String name, RouterConfig.Route r, Providers providers) {
        String where = "route '" + name + "'";
        List<Deployment> deployments = new ArrayList<>();
        if (r.targets().isPresent() && !r.targets().get().isEmpty()) {
            if (r.baseUrl().isPresent()) {
                throw new IllegalStateException(where + " sets both base-url and targets: keep one (base-url is the "
                        + "shorthand for a single target)");
            }
            List<RouterConfig.Target> targets = r.targets().get();
            for (int i = 0; i < targets.size(); i++) {
                RouterConfig.Target t = targets.get(i);
                Route route = route(name, t.provider(), t.baseUrl(), t.model().orElse(name),
                        t.apiKeyEnv().orElse(null), t.timeout().orElse(r.timeout()), providers, where + " target " + i);
                deployments.add(Deployment.of(route, t.weight(), t.priority().orElse(i)));
            }
        } else {
            String baseUrl = r.baseUrl().orElseThrow(() -> new IllegalStateException(where
                    + " needs base-url (one target) or targets[0].base-url (a fallback chain)"));
            deployments.add(Deployment.of(route(name, r.provider(), baseUrl, r.upstreamModel().orElse(name),
                    r.apiKeyEnv().orElse(null), r.timeout(), providers, where), 1, 0));
        }
        RouterConfig.Retry retry = r.retry();
        if (retry.maxAttempts() < 1) {
            throw new IllegalStateException(where + ": retry.max-attempts must be at least 1 (1 = no retry)");
        }
        if (r.maxTokensCap() < 0) {
            throw new IllegalStateException(where + ": max-tokens-cap must be 0 (no cap) or positive");
        }
        if (r.totalTimeout().isPresent() && (r.totalTimeout().get().isNegative() || r.totalTimeout().get().isZero())) {
            throw new IllegalStateException(where + ": total-timeout must be positive (leave it unset for no bound)");
        }
        Set<ErrorKind> retryOn = ErrorKind.parse(retry.on(), where + " retry.on");
        return new RoutePlan(name, deployments, Balance.parse(r.balance(), where),
                new RetryPolicy(retry.maxAttempts(), retry.initialBackoff(), retry.maxBackoff(), retry.retryAfterCap(), retryOn),
                ErrorKind.parse(r.fallbackOn(), where + " fallback-on"), r.maxTokensCap(), r.compaction(),
                r.totalTimeout().orElse(null));
    }

    private static Route route(String name, String provider, String baseUrl, String model, String apiKeyEnv,
                               java.time.Duration timeout, Providers providers, String where) {
        if (!providers.supports(provider)) {
            throw new IllegalStateException(where + " names unknown provider '" + provider + "'");
        }
        String apiKey = apiKeyEnv == null ? "" : System.getenv(apiKeyEnv);
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return new Route(name, provider, url, model, apiKey == null ? "" : apiKey, timeout);
    }

    /** The plan for a model name, or INVALID_ARGUMENT naming the models there are. */
    public RoutePlan plan(String model) {
        if (model == null || model.isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("'model' is required; available models: " + names())
                    .asRuntimeException();
        }
        RoutePlan plan = plans.get(model);
        if (plan == null) {
            throw Status.INVALID_ARGUMENT.withDescription("unknown model '" + model + "'; available models: " + names())
                    .asRuntimeException();
        }
        return plan;
    }

    /** The first target of a model's route (what the request is reserved and cached under). */
    public Route resolve(String model) {
        return plan(model).primary();
    }

    public boolean contains(String model) {
        return plans.containsKey(model);
    }

    public Set<String> names() {
        return new TreeSet<>(plans.keySet());
    }
}
