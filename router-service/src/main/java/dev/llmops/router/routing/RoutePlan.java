package dev.llmops.router.routing;

import dev.llmops.router.Route;
import java.util.List;
import java.util.Set;

/**
 * A route as configured: its fallback chain of deployments (ordered by priority), how to balance deployments of
 * equal priority, what to retry and what to fall back on, and the request shaping it applies.
 *
 * @param name           the model name clients ask for
 * @param deployments    every target, by ascending priority
 * @param balance        how equal-priority deployments share traffic
 * @param retry          retries per target
 * @param fallbackOn     error kinds after which the next target is tried (others end the request)
 * @param maxTokensCap   the largest max_tokens sent upstream (0 = no cap)
 * @param compaction     whether prompts are compacted before they go upstream
 * @param totalTimeout   bounds the whole chain (every attempt, backoff and fallback); null = no bound beyond the
 *                       caller's deadline
 */
public record RoutePlan(String name, List<Deployment> deployments, Balance balance, RetryPolicy retry,
                        Set<ErrorKind> fallbackOn, int maxTokensCap, boolean compaction, java.time.Duration totalTimeout) {

    public RoutePlan(String name, List<Deployment> deployments, Balance balance, RetryPolicy retry,
                     Set<ErrorKind> fallbackOn, int maxTokensCap, boolean compaction) {
        this(name, deployments, balance, retry, fallbackOn, maxTokensCap, compaction, null);
    }

    public RoutePlan {
        deployments = deployments.stream().sorted(java.util.Comparator.comparingInt(Deployment::priority)).toList();
        if (deployments.isEmpty()) {
            throw new IllegalArgumentException("route '" + name + "' has no targets");
        }
    }

    /** A route of one target, no retries, default fallbacks: what tests and simple configs use. */
    public static RoutePlan single(Route route) {
        return new RoutePlan(route.name(), List.of(Deployment.of(route, 1, 0)), Balance.WEIGHTED, RetryPolicy.none(),
                Set.of(ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT), 0, false);
    }

    /** The same chain bounded by {@code total} overall. */
    public RoutePlan withTotalTimeout(java.time.Duration total) {
        return new RoutePlan(name, deployments, balance, retry, fallbackOn, maxTokensCap, compaction, total);
    }

    /** The first target: what the request is reserved, cached and reported under until another one answers. */
    public Route primary() {
        return deployments.get(0).route();
    }
}
