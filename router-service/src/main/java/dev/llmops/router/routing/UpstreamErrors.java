package dev.llmops.router.routing;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an adapter's failure (a {@code StatusRuntimeException}, see {@code ProviderAdapter}) as an {@link ErrorKind}
 * and an optional Retry-After. Adapters may state both exactly in trailers ({@link #KIND}, {@link #RETRY_AFTER_MS});
 * without them the status code and the adapter's description are read, which is how the OpenAI adapter reports today.
 */
public final class UpstreamErrors {
    /** The trailer naming the kind (its config name, e.g. {@code 429}), as the adapters write it. */
    public static final Metadata.Key<String> KIND = dev.llmops.router.provider.UpstreamErrors.KIND;
    /** The trailer holding the upstream's Retry-After in milliseconds, as the adapters write it. */
    public static final Metadata.Key<String> RETRY_AFTER_MS = dev.llmops.router.provider.UpstreamErrors.RETRY_AFTER_MS;

    // bounded, anchored on fixed text: "(retry after 3 s)" as OpenAiWire.error writes it
    private static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d{1,9}(?:\\.\\d{1,3})?) s");

    private UpstreamErrors() {
    }

    public static ErrorKind classify(Throwable failure) {
        if (!(failure instanceof StatusRuntimeException e)) {
            return ErrorKind.OTHER;
        }
        Metadata trailers = e.getTrailers();
        if (trailers != null && trailers.get(KIND) != null) {
            for (ErrorKind k : ErrorKind.values()) {
                if (k.configName().equals(trailers.get(KIND))) {
                    return k;
                }
            }
        }
        String description = String.valueOf(e.getStatus().getDescription());
        return switch (e.getStatus().getCode()) {
            case RESOURCE_EXHAUSTED -> ErrorKind.RATE_LIMITED;
            case DEADLINE_EXCEEDED -> ErrorKind.TIMEOUT;
            case UNAVAILABLE -> description.contains("refused the connection") || description.contains("Connection refused")
                    ? ErrorKind.CONNECT : ErrorKind.SERVER_ERROR;
            case INTERNAL -> ErrorKind.BAD_RESPONSE;
            case INVALID_ARGUMENT -> ErrorKind.REJECTED;
            default -> ErrorKind.OTHER;
        };
    }

    /** The Retry-After the upstream sent with this failure, if any. */
    public static Optional<Duration> retryAfter(Throwable failure) {
        if (!(failure instanceof StatusRuntimeException e)) {
            return Optional.empty();
        }
        Metadata trailers = e.getTrailers();
        if (trailers != null && trailers.get(RETRY_AFTER_MS) != null) {
            try {
                return Optional.of(Duration.ofMillis(Long.parseLong(trailers.get(RETRY_AFTER_MS))));
            } catch (NumberFormatException ignored) {
                // fall through to the description
            }
        }
        String description = e.getStatus().getDescription();
        if (description == null) {
            return Optional.empty();
        }
        Matcher m = RETRY_AFTER.matcher(description);
        if (m.find()) {
            return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(m.group(1)) * 1000)));
        }
        return Optional.empty();
    }

    /** The status description, or the code's name when there is none. */
    public static String describe(Throwable failure) {
        Status s = Status.fromThrowable(failure);
        return s.getDescription() != null ? s.getDescription() : s.getCode() + (failure.getMessage() == null ? ""
                : ": " + failure.getMessage());
    }
}
