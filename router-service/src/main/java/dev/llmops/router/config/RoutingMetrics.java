package dev.llmops.router.config;

import dev.llmops.router.routing.Deployment;
import dev.llmops.router.routing.ErrorKind;
import dev.llmops.router.routing.RoutePlan;
import dev.llmops.router.routing.RoutingEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Routing as Prometheus sees it: {@code llmops_router_upstream_calls_total{route,target,outcome}} (outcome ok or the
 * error kind), {@code llmops_router_upstream_call_seconds{route,target}}, {@code llmops_router_fallbacks_total{route,
 * from}}, {@code llmops_router_circuit_skips_total{route,target}}. Targets are config-bounded, so are the series.
 */
final class RoutingMetrics implements RoutingEvents {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    RoutingMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void attempt(RoutePlan plan, Deployment target, ErrorKind failure, long nanos) {
        String outcome = failure == null ? "ok" : failure.configName();
        counter("llmops_router_upstream_calls_total", plan.name(), "target", target.id(), "outcome", outcome).increment();
        timers.computeIfAbsent(plan.name() + '\0' + target.id(), k -> Timer.builder("llmops_router_upstream_call_seconds")
                .tag("route", plan.name()).tag("target", target.id()).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void circuitSkipped(RoutePlan plan, Deployment target) {
        counter("llmops_router_circuit_skips_total", plan.name(), "target", target.id(), null, null).increment();
    }

    @Override
    public void fellBack(RoutePlan plan, Deployment from) {
        counter("llmops_router_fallbacks_total", plan.name(), "from", from.id(), null, null).increment();
    }

    private Counter counter(String name, String route, String k1, String v1, String k2, String v2) {
        String key = name + '\0' + route + '\0' + v1 + '\0' + v2;
        return counters.computeIfAbsent(key, k -> {
            Counter.Builder b = Counter.builder(name).tag("route", route).tag(k1, v1);
            if (k2 != null) {
                b.tag(k2, v2);
            }
            return b.register(registry);
        });
    }
}
