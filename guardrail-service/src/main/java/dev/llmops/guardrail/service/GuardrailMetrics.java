package dev.llmops.guardrail.service;

import dev.llmops.guardrail.PolicyAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code llmops_guardrail_findings_total{type,action}} and {@code llmops_guardrail_scan_seconds{direction,verdict}}.
 * Meters are looked up once and cached so the hot path does not build meter ids.
 */
@ApplicationScoped
public class GuardrailMetrics {

    public enum Direction { INPUT, OUTPUT }

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
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofNanos(10_000))
                        .maximumExpectedValue(Duration.ofSeconds(1))
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
