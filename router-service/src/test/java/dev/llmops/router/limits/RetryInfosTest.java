package dev.llmops.router.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class RetryInfosTest {

    @Test
    void theWaitTravelsAsRetryInfoAndComesBackAsWholeSeconds() {
        StatusRuntimeException e = RetryInfos.exhausted("slow down", 12_345);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertEquals("slow down", e.getStatus().getDescription());
        assertEquals(13, RetryInfos.retryAfterSeconds(e).getAsLong(), "rounded up");
        assertEquals(1, RetryInfos.retryAfterSeconds(RetryInfos.exhausted("x", 10)).getAsLong(), "at least 1 s");
    }

    @Test
    void anErrorWithoutRetryInfoHasNoWait() {
        assertTrue(RetryInfos.retryAfterSeconds(Status.RESOURCE_EXHAUSTED.asRuntimeException()).isEmpty());
        assertTrue(RetryInfos.retryAfterSeconds(new IllegalStateException("x")).isEmpty());
    }
}
