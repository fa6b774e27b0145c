package dev.llmops.router.provider;

import dev.llmops.router.ChatResult;
import io.smallrye.mutiny.Uni;
import java.util.function.Consumer;

/**
 * One upstream wire format. Failures are {@code StatusRuntimeException}s whose code says what happened upstream:
 * INVALID_ARGUMENT (the upstream rejected the request), RESOURCE_EXHAUSTED (upstream rate limit), UNAVAILABLE
 * (5xx, refused connection, bad credential), DEADLINE_EXCEEDED (timeout), INTERNAL (unreadable answer).
 */
public interface ProviderAdapter {

    /** The route {@code provider} value this adapter serves. */
    String wireFormat();

    Uni<ChatResult> complete(ProviderCall call);

    /**
     * Streams the answer's content to {@code deltas} as it arrives and completes with the whole answer and its
     * exact usage (asked of the upstream even when the client did not ask for it).
     */
    Uni<ChatResult> stream(ProviderCall call, Consumer<String> deltas);
}
