package dev.llmops.router.routing;

import dev.llmops.router.Route;

/**
 * One target of a route's fallback chain: a provider, base URL, upstream model and credential.
 *
 * @param id       stable name of the upstream ({@code provider|base-url|model}); the circuit breaker's key
 * @param route    what the adapter is called with
 * @param weight   share of traffic among deployments of the same priority
 * @param priority position in the fallback chain: lower first; equal priorities are load balanced
 */
public record Deployment(String id, Route route, int weight, int priority) {

    public static Deployment of(Route route, int weight, int priority) {
        return new Deployment(route.provider() + "|" + route.baseUrl() + "|" + route.upstreamModel(), route, weight, priority);
    }

    /** How failures name this target: position, provider, model and URL. */
    public String label() {
        return route.provider() + " " + route.upstreamModel() + " @ " + route.baseUrl();
    }
}
