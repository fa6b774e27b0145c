package dev.llmops.cost;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A local HTTP receiver for budget-alert webhooks (JDK HTTP server on loopback): it answers 503 to every first
 * attempt of an alert (so the service must retry) and 204 to later ones, recording what arrived.
 */
public class AlertWebhookReceiver implements QuarkusTestResourceLifecycleManager {
    /** One POST as received. */
    public record Received(String alertId, int attempt, String body, int answered) {
    }

    public static final ConcurrentLinkedQueue<Received> RECEIVED = new ConcurrentLinkedQueue<>();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/alerts", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String id = exchange.getRequestHeaders().getFirst("X-Llmops-Alert-Id");
            int attempt = Integer.parseInt(exchange.getRequestHeaders().getFirst("X-Llmops-Attempt"));
            int status = attempt == 1 ? 503 : 204;
            RECEIVED.add(new Received(id, attempt, body, status));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return Map.of("llmops.cost.alerts.webhook-url",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
