package dev.llmops.router.routing;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Retries of one target before the chain falls back: exponential backoff with full jitter, or the upstream's
 * Retry-After when it sent one, but never longer than {@code retryAfterCap}. A Retry-After above the cap means the
 * target will not serve us soon: no retry, fall back now.
 *
 * @param maxAttempts    attempts per target, the first included (1 = no retry)
 * @param initialBackoff upper bound of the first jittered wait
 * @param maxBackoff     upper bound of any jittered wait
 * @param retryAfterCap  the longest Retry-After honoured
 * @param on             the error kinds worth retrying on the same target
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration retryAfterCap,
                          Set<ErrorKind> on) {

    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, Set.of());
    }

    /**
     * The wait before attempt {@code attempt + 1}, or empty when there should be none (kind not retryable,
     * attempts used up, or a Retry-After above the cap).
     */
    public Optional<Duration> delayAfter(int attempt, ErrorKind kind, Optional<Duration> retryAfter, RandomGenerator random) {
        if (attempt >= maxAttempts || !on.contains(kind)) {
            return Optional.empty();
        }
        if (retryAfter.isPresent()) {
            return retryAfter.get().compareTo(retryAfterCap) > 0 ? Optional.empty() : retryAfter;
        }
        // full jitter (AWS architecture blog): uniform in [0, min(max, initial * 2^(attempt-1))]
        long ceiling = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(attempt - 1, 20));
        return Optional.of(Duration.ofMillis(ceiling <= 0 ? 0 : random.nextLong(ceiling + 1)));
    }
}
