package dev.llmops.router.provider;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The one mapping from upstream failures to gRPC status codes, shared by every adapter (each adapter only reads its
 * provider's error JSON for the message and the retry delay):
 * 400/404/413/422 INVALID_ARGUMENT (the upstream rejected the request), 429 RESOURCE_EXHAUSTED, 401/403 UNAVAILABLE
 * (the router's credential was refused: not the caller's fault), 408/504 and timeouts DEADLINE_EXCEEDED, other 5xx
 * (500, 502, 503, Anthropic's 529) and refused connections UNAVAILABLE, unreadable answers INTERNAL.
 */
public final class UpstreamErrors {
    /**
     * The upstream's retry delay in milliseconds, when it sent one (Retry-After, retry-after-ms, Gemini's RetryInfo),
     * as a trailer of the status, so retries and fallbacks can honour it without parsing the message.
     */
    public static final Metadata.Key<String> RETRY_AFTER_MS =
            Metadata.Key.of("llmops-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

    /** The failure's kind in route config words (429, 5xx, timeout, connect, bad-response, 4xx), for fallbacks. */
    public static final Metadata.Key<String> KIND =
            Metadata.Key.of("llmops-upstream-error", Metadata.ASCII_STRING_MARSHALLER);

    private UpstreamErrors() {
    }

    /**
     * @param upstream     {@link dev.llmops.router.provider.ProviderCall#upstream()}
     * @param httpStatus   the upstream's HTTP status
     * @param message      the upstream's own error message (from its error JSON), or empty
     * @param retryAfterMs the upstream's retry delay, or negative when it gave none
     */
    public static StatusRuntimeException http(String upstream, int httpStatus, String message, long retryAfterMs) {
        String detail = upstream + " answered HTTP " + httpStatus + (message.isEmpty() ? "" : ": " + message);
        Status status;
        String kind;
        if (httpStatus == 429) {
            kind = "429";
        } else if (httpStatus == 400 || httpStatus == 404 || httpStatus == 413 || httpStatus == 422) {
            kind = "4xx";
        } else if (httpStatus == 408 || httpStatus == 504) {
            kind = "timeout";
        } else {
            kind = "5xx"; // 5xx, 529, and a refused credential: the upstream cannot serve us now
        }
        if (httpStatus == 429) {
            status = Status.RESOURCE_EXHAUSTED.withDescription(detail + (retryAfterMs < 0 ? ""
                    : " (retry after " + seconds(retryAfterMs) + " s)"));
        } else if (httpStatus == 400 || httpStatus == 404 || httpStatus == 413 || httpStatus == 422) {
            status = Status.INVALID_ARGUMENT.withDescription(detail);
        } else if (httpStatus == 401 || httpStatus == 403) {
            status = Status.UNAVAILABLE.withDescription(detail + " (the router's credential for this route was refused)");
        } else if (httpStatus == 408 || httpStatus == 504) {
            status = Status.DEADLINE_EXCEEDED.withDescription(detail);
        } else {
            status = Status.UNAVAILABLE.withDescription(detail + (retryAfterMs < 0 ? ""
                    : " (retry after " + seconds(retryAfterMs) + " s)"));
        }
        return failure(status, kind, retryAfterMs);
    }

    /** A failure the upstream reported inside a stream that had started (its HTTP status was 200). */
    public static StatusRuntimeException midStream(String upstream, String message) {
        return failure(Status.UNAVAILABLE.withDescription(upstream + " failed mid-stream: " + message), "5xx", -1);
    }

    public static StatusRuntimeException unreadable(String upstream, String what, String text) {
        String start = text == null ? "" : text.length() > 120 ? text.substring(0, 120) + "..." : text;
        return failure(Status.INTERNAL.withDescription(upstream + " sent " + what + (start.isEmpty() ? "" : ": " + start)),
                "bad-response", -1);
    }

    /** A transport failure: refused connection, reset, or the call's deadline. */
    public static StatusRuntimeException transport(String upstream, Throwable cause) {
        if (cause instanceof StatusRuntimeException s) {
            return s;
        }
        if (cause instanceof TimeoutException || cause instanceof io.netty.handler.timeout.TimeoutException
                || String.valueOf(cause.getMessage()).contains("timeout")) {
            return failure(Status.DEADLINE_EXCEEDED.withDescription(upstream + " did not answer in time: "
                    + cause.getMessage()), "timeout", -1);
        }
        if (cause instanceof ConnectException) {
            return failure(Status.UNAVAILABLE.withDescription(upstream + " refused the connection: " + cause.getMessage()),
                    "connect", -1);
        }
        return failure(Status.UNAVAILABLE.withDescription(upstream + " failed: " + cause), "5xx", -1);
    }

    /** The retry delay an upstream asked for, when the failure carries one. */
    public static Optional<Duration> retryAfter(Throwable failure) {
        Metadata trailers = Status.trailersFromThrowable(failure);
        String ms = trailers == null ? null : trailers.get(RETRY_AFTER_MS);
        if (ms == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofMillis(Long.parseLong(ms)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A Retry-After header value in milliseconds: delta-seconds (possibly fractional) or an HTTP date; negative
     * when absent or unreadable.
     */
    public static long retryAfterHeader(String retryAfter, String retryAfterMs) {
        if (retryAfterMs != null) {
            try {
                return Math.max(0, (long) Double.parseDouble(retryAfterMs.strip()));
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        if (retryAfter == null || retryAfter.isBlank()) {
            return -1;
        }
        try {
            return Math.max(0, (long) (Double.parseDouble(retryAfter.strip()) * 1000));
        } catch (NumberFormatException e) {
            try {
                long at = java.time.ZonedDateTime.parse(retryAfter.strip(),
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return Math.max(0, at - System.currentTimeMillis());
            } catch (java.time.format.DateTimeParseException e2) {
                return -1;
            }
        }
    }

    /** The start of a non-JSON error body, flattened, for the message. */
    public static String bodyStart(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

    /** A status with its kind, and its retry delay when known, as trailers (read by routing's fallbacks). */
    public static StatusRuntimeException failure(Status status, String kind, long retryAfterMs) {
        Metadata trailers = new Metadata();
        trailers.put(KIND, kind);
        if (retryAfterMs >= 0) {
            trailers.put(RETRY_AFTER_MS, Long.toString(retryAfterMs));
        }
        return status.asRuntimeException(trailers);
    }

    /** The kind trailer of a failure, or null. */
    public static String kind(Throwable failure) {
        Metadata trailers = Status.trailersFromThrowable(failure);
        return trailers == null ? null : trailers.get(KIND);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.valueOf(ms / 1000.0);
    }
}
