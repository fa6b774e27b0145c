package dev.llmops.router.config;

import dev.llmops.router.provider.Providers;
import dev.llmops.router.routing.CircuitBreakers;
import dev.llmops.router.routing.CircuitSettings;
import dev.llmops.router.routing.ErrorKind;
import dev.llmops.router.routing.LoadBalancer;
import dev.llmops.router.routing.RouteExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the routing parts (plain classes, so tests make them without CDI) from config. */
public class RoutingBeans {

    @Produces
    @Singleton
    CircuitBreakers circuitBreakers(Vertx vertx, Redis redis, RouterConfig config,
                                    @ConfigProperty(name = "llmops.redis.key-prefix") String prefix) {
        RouterConfig.Circuit c = config.circuit();
        return new CircuitBreakers(vertx, redis, prefix, new CircuitSettings(c.enabled(), c.failureThreshold(),
                c.window(), c.coolDown(), c.probeTimeout(), ErrorKind.parse(c.countOn(), "llmops.router.circuit.count-on"),
                c.redisTimeout(), c.redisRetry(), c.stateRefresh()));
    }

    @Produces
    @Singleton
    RouteExecutor routeExecutor(Vertx vertx, Providers providers, CircuitBreakers breakers, MeterRegistry registry) {
        return new RouteExecutor(vertx, (call, deltas) -> deltas == null ? providers.complete(call)
                : providers.stream(call, deltas), breakers, new LoadBalancer(), new RoutingMetrics(registry));
    }
}
