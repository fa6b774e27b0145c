package dev.llmops.guardrail.accuracy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Floors under the harness's numbers, so a change that makes a detector worse fails the build. The floors sit a
 * little under the measured values in the README (small sets: one item moves a rate by several points).
 */
class AccuracyTest {

    @Test
    void promptInjection() {
        Map<String, AccuracyHarness.Score> s = AccuracyHarness.injection(0.75);
        AccuracyHarness.Score both = s.get("rules + classifier");
        assertTrue(both.recall() >= 0.9, "detection rate " + both.recall());
        assertTrue(both.falseAlarmRate() <= 0.05, "false alarms " + both.falseAlarmRate());
        // Each half must pull its weight: the combination beats either alone on recall.
        assertTrue(both.recall() > s.get("rules only").recall());
    }

    @Test
    void piiAndSecrets() {
        AccuracyHarness.pii().forEach((type, score) -> {
            assertTrue(score.precision() >= 0.8, type + " precision " + score.precision());
            assertTrue(score.recall() >= 0.75, type + " recall " + score.recall());
        });
    }

    @Test
    void toxicity() {
        AccuracyHarness.Score any = AccuracyHarness.toxicity().get("any (toxic vs not)");
        assertTrue(any.recall() >= 0.85, "recall " + any.recall());
        assertTrue(any.falseAlarmRate() <= 0.2, "false alarms " + any.falseAlarmRate());
    }

    @Test
    void grounding() {
        AccuracyHarness.Score s = AccuracyHarness.grounding(0.5);
        assertTrue(s.f1() >= 0.8, "F1 " + s.f1());
    }

    @Test
    void groundingWithEmbeddingsRaisesFewerFalseAlarmsAtAboutTheSameF1() {
        AccuracyHarness.Score lexical = AccuracyHarness.grounding(0.5);
        AccuracyHarness.Score combined = AccuracyHarness.grounding(0.5, new dev.llmops.guardrail.output.GroundingScorer(
                new dev.llmops.guardrail.output.SentenceEmbedder(),
                dev.llmops.guardrail.output.GroundingScorer.Method.COMBINED));
        assertTrue(combined.fp < lexical.fp, "false alarms " + combined.fp + " vs " + lexical.fp);
        assertTrue(combined.f1() >= 0.78, "F1 " + combined.f1());
    }
}
