package dev.llmops.router.routing;

/**
 * A breaker's answer.
 *
 * @param state       closed, open or half_open
 * @param allowed     whether the caller may call the upstream
 * @param failures    failures counted in the current window
 * @param remainingMs how long until the state may change (open: the rest of the cool-down; half_open: the probe lease)
 */
public record CircuitState(String state, boolean allowed, long failures, long remainingMs) {
}
