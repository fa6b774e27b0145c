package dev.llmops.router.tiering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

class TieredRoutingTest {
    static final DifficultyClassifier SHIPPED = DifficultyClassifier.shipped(5);

    static List<ChatMessage> ask(String text) {
        return List.of(ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("You are a helpful assistant.").build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent(text).build());
    }

    @Test
    void theShippedSetLoadsWithEveryTier() {
        List<LabelledPrompts.Example> all = LabelledPrompts.load();
        assertTrue(all.size() >= 150, "labelled prompts: " + all.size());
        for (Tier t : Tier.values()) {
            assertTrue(all.stream().filter(e -> e.tier() == t).count() >= 40, t + " is represented");
        }
        assertTrue(all.stream().anyMatch(e -> e.text().contains("\n")), "escaped line breaks are restored");
    }

    @Test
    void hardPromptsScoreAboveEasyOnesOnPromptsNotInTheSet() {
        double easy = SHIPPED.score("What is the capital of Portugal?");
        double medium = SHIPPED.score("Write a Python function that removes duplicates from a list while keeping order.");
        double hard = SHIPPED.score("Prove that the square root of 2 is irrational, then generalize the proof to the "
                + "square root of any prime, and explain step by step where the argument fails for 4.");
        assertTrue(easy < medium && medium < hard, easy + " < " + medium + " < " + hard);
        DifficultyClassifier.Prediction p = SHIPPED.predict("```java\nclass A {}\n```\nFirst explain, then fix the exception");
        assertTrue(p.code() > 0 && p.steps() > 0, p.toString());
    }

    @Test
    void aTenantPolicyPicksTheRouteByTierAndDefaultServesOthers() {
        TieredRouting tiering = new TieredRouting("auto", Map.of(
                "acme", new TierPolicy("small", "medium", "large", 0.30, 0.50),
                "default", new TierPolicy("d-small", "d-medium", "d-large", 0.30, 0.50)), SHIPPED);
        assertTrue(tiering.handles("auto"));
        assertFalse(tiering.handles("gpt-4o"));
        assertEquals("small", tiering.route("acme", ask("What is the capital of Portugal?")));
        assertEquals("large", tiering.route("acme", ask("Design a multi-region active-active architecture for an "
                + "order service that must never lose an order. Cover consistency, failover and testing, then list "
                + "the failure modes and prove the idempotency scheme is correct step by step.")));
        assertEquals("d-small", tiering.route("other-tenant", ask("hello!")));
        // the tier travels with the route (the usage event reports it)
        assertEquals(new TieredRouting.Choice(Tier.CHEAP, "small"), tiering.choose("acme", ask("What is the capital of Portugal?")));
    }

    @Test
    void aTenantWithoutPolicyIsToldToNameAModel() {
        TieredRouting tiering = new TieredRouting("auto", Map.of("acme", new TierPolicy("s", "m", "l", 0.3, 0.5)), SHIPPED);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> tiering.route("zeta", ask("hi")));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("not set up for tenant 'zeta'"));
    }

    @Test
    void thresholdsMustBeOrdered() {
        assertThrows(IllegalArgumentException.class, () -> new TierPolicy("s", "m", "l", 0.6, 0.4));
    }
}
