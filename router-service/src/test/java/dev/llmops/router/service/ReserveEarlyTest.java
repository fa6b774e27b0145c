package dev.llmops.router.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReserveEarlyTest {
    @Test
    void unsetItStartsEarlyOnlyAlongsideACallToAnotherService() {
        assertFalse(RoutingService.reservesEarly(Optional.empty(), true, "off"),
                "input check in process, exact tier only: nothing to overlap, and hits would pay a Reserve");
        assertTrue(RoutingService.reservesEarly(Optional.empty(), false, "off"), "alongside the remote input check");
        assertTrue(RoutingService.reservesEarly(Optional.empty(), true, "default"), "alongside the semantic Lookup");
    }

    @Test
    void setItIsWhatItSays() {
        assertTrue(RoutingService.reservesEarly(Optional.of(true), true, "off"));
        assertFalse(RoutingService.reservesEarly(Optional.of(false), false, "default"));
    }
}
