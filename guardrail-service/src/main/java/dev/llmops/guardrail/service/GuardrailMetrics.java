package dev.llmops.guardrail.service;

import dev.llmops.guardrail.PolicyAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code llmops_guardrail_findings_total{type,action}} and {@code llmops_guardrail_scan_seconds{direction,verdict}}.
 * Meters are looked up once and cached so the hot path does not build meter ids.
 */
@Singleton
public class GuardrailMetrics {

    public enum Direction { INPUT, OUTPUT }

    /** Histogram buckets around the 3 ms pipeline budget; a handful, not Micrometer's ~70 per timer. */
    private static final Duration[] BUCKETS = {Duration.ofNanos(50_000), Duration.ofNanos(100_000),
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(2)};

    private final MeterRegistry registry;
    private final Map<String, Counter> findings = new ConcurrentHashMap<>();
    private final Timer[][] scanTimers = new Timer[Direction.values().length][PolicyAction.values().length];

    public GuardrailMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Direction direction : Direction.values()) {
            for (PolicyAction verdict : PolicyAction.values()) {
                scanTimers[direction.ordinal()][verdict.ordinal()] = Timer.builder("llmops.guardrail.scan")
                        .description("Time to check one request or answer, validation excluded")
                        .tag("direction", direction.name().toLowerCase(java.util.Locale.ROOT))
                        .tag("verdict", verdict.metricTag())
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry);
            }
        }
    }

    public void finding(String type, PolicyAction action) {
        findings.computeIfAbsent(type + '|' + action.name(), k -> Counter.builder("llmops.guardrail.findings")
                .description("Guardrail findings by type and the action the policy took")
                .tag("type", type)
                .tag("action", action.metricTag())
                .register(registry)).increment();
    }

    public void scanned(Direction direction, PolicyAction verdict, long nanos) {
        scanTimers[direction.ordinal()][verdict.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }
}
