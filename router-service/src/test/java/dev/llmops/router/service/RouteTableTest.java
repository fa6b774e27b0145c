package dev.llmops.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.config.RouterConfig;
import dev.llmops.router.provider.Providers;
import dev.llmops.router.routing.Balance;
import dev.llmops.router.routing.ErrorKind;
import dev.llmops.router.routing.RoutePlan;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Route config as properties, through the real SmallRye mapping, into plans. */
class RouteTableTest {
    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    static RouteTable table(Map<String, String> properties) {
        RouterConfig config = new SmallRyeConfigBuilder().withMapping(RouterConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100)).build()
                .getConfigMapping(RouterConfig.class);
        return new RouteTable(config, new Providers(vertx));
    }

    @Test
    void aBaseUrlRouteIsAChainOfOneWithTheDefaults() {
        RoutePlan p = table(Map.of("llmops.router.routes.echo.base-url", "http://u/v1/")).plan("echo");
        assertEquals(1, p.deployments().size());
        assertEquals("http://u/v1", p.primary().baseUrl());
        assertEquals("echo", p.primary().upstreamModel());
        assertEquals(Set.of(ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECT), p.fallbackOn());
        assertEquals(2, p.retry().maxAttempts());
        assertEquals(0, p.maxTokensCap());
    }

    @Test
    void targetsFormTheChainInPriorityOrderWithTheirOwnSettings() {
        RoutePlan p = table(Map.ofEntries(
                Map.entry("llmops.router.routes.chat.targets[0].base-url", "http://primary/v1"),
                Map.entry("llmops.router.routes.chat.targets[0].model", "gpt-4o-mini"),
                Map.entry("llmops.router.routes.chat.targets[0].weight", "3"),
                Map.entry("llmops.router.routes.chat.targets[1].base-url", "http://replica/v1"),
                Map.entry("llmops.router.routes.chat.targets[1].model", "gpt-4o-mini"),
                Map.entry("llmops.router.routes.chat.targets[1].priority", "0"),
                Map.entry("llmops.router.routes.chat.targets[2].base-url", "http://fallback/v1"),
                Map.entry("llmops.router.routes.chat.targets[2].model", "llama-3.1-8b"),
                Map.entry("llmops.router.routes.chat.targets[2].timeout", "5s"),
                Map.entry("llmops.router.routes.chat.balance", "latency"),
                Map.entry("llmops.router.routes.chat.fallback-on", "5xx,timeout"),
                Map.entry("llmops.router.routes.chat.retry.max-attempts", "3"),
                Map.entry("llmops.router.routes.chat.max-tokens-cap", "256"))).plan("chat");
        assertEquals(3, p.deployments().size());
        assertEquals(0, p.deployments().get(0).priority());
        assertEquals(0, p.deployments().get(1).priority());
        assertEquals(2, p.deployments().get(2).priority());
        assertEquals(3, p.deployments().get(0).weight());
        assertEquals("llama-3.1-8b", p.deployments().get(2).route().upstreamModel());
        assertEquals(Duration.ofSeconds(5), p.deployments().get(2).route().timeout());
        assertEquals(Balance.LATENCY, p.balance());
        assertEquals(Set.of(ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT), p.fallbackOn());
        assertEquals(3, p.retry().maxAttempts());
        assertEquals(256, p.maxTokensCap());
    }

    @Test
    void mistakesFailAtStartWithWhatToFix() {
        IllegalStateException both = assertThrows(IllegalStateException.class, () -> table(Map.of(
                "llmops.router.routes.x.base-url", "http://a/v1", "llmops.router.routes.x.targets[0].base-url", "http://b/v1")));
        assertTrue(both.getMessage().contains("sets both base-url and targets"), both.getMessage());
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> table(Map.of(
                "llmops.router.routes.x.base-url", "http://a/v1", "llmops.router.routes.x.fallback-on", "5xx,teapot")));
        assertTrue(kind.getMessage().contains("unknown error kind 'teapot'"), kind.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> table(Map.of(
                "llmops.router.routes.x.timeout", "5s")));
        assertTrue(none.getMessage().contains("needs base-url"), none.getMessage());
    }
}
