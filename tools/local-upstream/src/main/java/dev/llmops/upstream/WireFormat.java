package dev.llmops.upstream;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One provider's wire format, as the local upstream speaks it. */
interface WireFormat {

    /** A request the real provider would reject, with the status and message it would send. */
    final class Rejected extends RuntimeException {
        final int status;

        Rejected(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** Reads and checks a request as the provider would; throws {@link Rejected}. */
    Ask parse(HttpServerRequest request, JsonObject body);

    /** The API key the request carries in this provider's header, or null. */
    String apiKey(HttpServerRequest request);

    /** The whole (non-streamed) answer. */
    JsonObject response(Reply reply, String id);

    /** The stream's server-sent events, each complete with its blank line. */
    List<String> events(Reply reply, String id, Ask ask);

    /** The provider's error JSON for an HTTP status. */
    JsonObject error(int status, String message, int retryAfterSeconds);

    /** Whether the provider sends a Retry-After header with this error status. */
    default boolean retryAfterHeader(int status) {
        return status == 429 || status == 503;
    }

    static String sse(String data) {
        return "data: " + data + "\n\n";
    }

    static String sse(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }
}
