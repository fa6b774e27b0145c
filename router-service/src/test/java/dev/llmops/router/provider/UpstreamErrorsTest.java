package dev.llmops.router.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every form of retry delay an upstream may send, read into milliseconds. */
class UpstreamErrorsTest {

    static String httpDate(ZonedDateTime at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.withZoneSameInstant(ZoneOffset.UTC));
    }

    @Test
    void retryAfterAsSecondsFractionalSecondsOrOpenAisMilliseconds() {
        assertEquals(30_000, UpstreamErrors.retryAfterHeader("30", null));
        assertEquals(1_500, UpstreamErrors.retryAfterHeader(" 1.5 ", null));
        assertEquals(250, UpstreamErrors.retryAfterHeader(null, "250"));
        assertEquals(250, UpstreamErrors.retryAfterHeader("30", "250"), "retry-after-ms is the more precise one");
        assertEquals(30_000, UpstreamErrors.retryAfterHeader("30", "soon"), "an unreadable retry-after-ms is skipped");
        assertEquals(0, UpstreamErrors.retryAfterHeader("-5", null), "never negative");
    }

    @Test
    void retryAfterAsAnHttpDate() {
        long ms = UpstreamErrors.retryAfterHeader(httpDate(ZonedDateTime.now().plusSeconds(20)), null);
        assertTrue(ms > 18_000 && ms <= 20_000, "about 20 s from now (the date has whole seconds): " + ms);
        assertEquals(0, UpstreamErrors.retryAfterHeader(httpDate(ZonedDateTime.now().minusMinutes(1)), null),
                "a date in the past: now");
    }

    @Test
    void absentOrUnreadableIsNoDelay() {
        assertEquals(-1, UpstreamErrors.retryAfterHeader(null, null));
        assertEquals(-1, UpstreamErrors.retryAfterHeader("  ", null));
        assertEquals(-1, UpstreamErrors.retryAfterHeader("tomorrow-ish", null));
    }

    @Test
    void theDelayTravelsWithTheFailureToTheRouting() {
        assertEquals(Optional.of(Duration.ofMillis(1_500)), UpstreamErrors.retryAfter(
                UpstreamErrors.failure(Status.RESOURCE_EXHAUSTED.withDescription("slow down"), "429", 1_500)));
        assertEquals(Optional.empty(), UpstreamErrors.retryAfter(
                UpstreamErrors.failure(Status.UNAVAILABLE, "5xx", -1)));
        assertEquals("429", UpstreamErrors.kind(UpstreamErrors.failure(Status.RESOURCE_EXHAUSTED, "429", -1)));
    }
}
