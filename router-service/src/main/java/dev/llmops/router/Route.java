package dev.llmops.router;

import java.time.Duration;

/**
 * A resolved route: where requests for one model name go.
 *
 * @param name          the model name clients ask for
 * @param provider      the wire format of the upstream
 * @param baseUrl       the upstream's base URL (up to the API version)
 * @param upstreamModel the model name sent upstream, and the one the cost-service prices
 * @param apiKey        the upstream credential, or empty
 * @param timeout       the deadline of one upstream call
 */
public record Route(String name, String provider, String baseUrl, String upstreamModel, String apiKey,
                   Duration timeout) {

    /** The same target with a shorter deadline for one call (what is left of the request's overall deadline). */
    public Route withTimeout(Duration shorter) {
        return shorter.compareTo(timeout) >= 0 ? this : new Route(name, provider, baseUrl, upstreamModel, apiKey, shorter);
    }
}
