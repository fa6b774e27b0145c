package dev.llmops.guardrail.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.Scanner;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Overlap resolution and policy, without the application (plain JUnit: fast, exact inputs). */
class InspectorTest {

    private static Scanner fixed(String name, Detection... detections) {
        return new Scanner() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Detection> scan(String text) {
                return List.of(detections);
            }
        };
    }

    private final Policy policy = new Policy(Map.of(), PolicyAction.REDACT);

    @Test
    void longerDetectionWinsAnOverlap() {
        Inspector inspector = new Inspector(List.of(
                fixed("a", new Detection("PHONE", 5, 15, "a", 0.85)),
                fixed("b", new Detection("PAYMENT_CARD", 0, 19, "b", 0.9))), policy);
        List<Hit> hits = inspector.inspect("x".repeat(30));
        assertEquals(1, hits.size());
        assertEquals("PAYMENT_CARD", hits.get(0).detection().type());
    }

    @Test
    void equalLengthOverlapKeepsTheHigherScore() {
        Inspector inspector = new Inspector(List.of(
                fixed("a", new Detection("PHONE", 2, 12, "a", 0.5)),
                fixed("b", new Detection("EMAIL", 4, 14, "b", 0.9))), policy);
        List<Hit> hits = inspector.inspect("x".repeat(30));
        assertEquals(List.of("EMAIL"), hits.stream().map(h -> h.detection().type()).toList());
    }

    @Test
    void blockHitsSurviveOverlapsAndDisjointHitsAreSortedByPosition() {
        Inspector inspector = new Inspector(List.of(
                fixed("a", new Detection("EMAIL", 20, 30, "a", 0.9), new Detection("EMAIL", 0, 15, "a", 0.9)),
                fixed("b", new Detection("BLOCKED_PHRASE", 3, 8, "b", 1.0))), policy);
        List<Hit> hits = inspector.inspect("x".repeat(40));
        assertEquals(List.of(0, 3, 20), hits.stream().map(h -> h.detection().start()).toList());
        assertEquals(PolicyAction.BLOCK, hits.get(1).action());
    }

    @Test
    void redactReplacesOnlyRedactHitsAndNumbersPerType() {
        String text = "aaa bbb aaa ccc";
        Placeholders book = new Placeholders();
        List<Hit> hits = List.of(
                new Hit(new Detection("EMAIL", 0, 3, "t", 1), PolicyAction.REDACT),
                new Hit(new Detection("PHONE", 4, 7, "t", 1), PolicyAction.ALLOW),
                new Hit(new Detection("EMAIL", 8, 11, "t", 1), PolicyAction.REDACT),
                new Hit(new Detection("EMAIL", 12, 15, "t", 1), PolicyAction.REDACT));
        assertEquals("<EMAIL_1> bbb <EMAIL_1> <EMAIL_2>", Inspector.redact(text, hits, book));
    }

    @Test
    void policyOverridesAreCaseInsensitiveAndUnknownTypesGetTheDefault() {
        Policy custom = new Policy(Map.of("email", PolicyAction.BLOCK, "PHONE", PolicyAction.ALLOW),
                PolicyAction.ALLOW);
        assertEquals(PolicyAction.BLOCK, custom.actionFor("EMAIL"));
        assertEquals(PolicyAction.ALLOW, custom.actionFor("PHONE"));
        assertEquals(PolicyAction.REDACT, custom.actionFor("PAYMENT_CARD"));
        assertEquals(PolicyAction.BLOCK, custom.actionFor("BLOCKED_PHRASE"));
        assertEquals(PolicyAction.ALLOW, custom.actionFor("SOMETHING_NEW"));
        assertTrue(new Policy(Map.of(), PolicyAction.REDACT).actionFor("SOMETHING_NEW") == PolicyAction.REDACT);
    }
}
