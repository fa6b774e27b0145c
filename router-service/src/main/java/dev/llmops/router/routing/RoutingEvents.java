package dev.llmops.router.routing;

/** What the executor reports as it walks a chain (metrics); every method defaults to nothing. */
public interface RoutingEvents {
    RoutingEvents NONE = new RoutingEvents() {
    };

    /** One call to a target ended: {@code failure} is null on success. */
    default void attempt(RoutePlan plan, Deployment target, ErrorKind failure, long nanos) {
    }

    /** A target was skipped because its circuit breaker is open. */
    default void circuitSkipped(RoutePlan plan, Deployment target) {
    }

    /** The chain moved on from {@code from} to the next target. */
    default void fellBack(RoutePlan plan, Deployment from) {
    }
}
