package dev.llmops.router.routing;

import java.time.Duration;
import java.util.Set;

/**
 * How the per-upstream circuit breakers behave.
 *
 * @param enabled          false: every call is allowed, nothing is counted
 * @param failureThreshold failures within {@code window} that open a breaker
 * @param window           the counting window (starts at the first failure, tumbling)
 * @param coolDown         how long an open breaker stays open before one probe is let through
 * @param probeTimeout     how long the probe holds the half-open breaker before another caller may probe
 * @param countOn          the error kinds that count as failures of the upstream
 * @param redisTimeout     the longest a breaker operation waits for Redis before the local breaker decides
 * @param redisRetry       after a Redis failure, how long the local breakers decide before Redis is tried again
 * @param stateRefresh     how long a replica trusts its last view of a closed breaker without asking Redis
 */
public record CircuitSettings(boolean enabled, int failureThreshold, Duration window, Duration coolDown,
                              Duration probeTimeout, Set<ErrorKind> countOn, Duration redisTimeout,
                              Duration redisRetry, Duration stateRefresh) {

    public static CircuitSettings defaults() {
        return new CircuitSettings(true, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10),
                Set.of(ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT), Duration.ofMillis(50),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
    }
}
