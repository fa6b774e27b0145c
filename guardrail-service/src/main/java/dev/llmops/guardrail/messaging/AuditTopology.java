package dev.llmops.guardrail.messaging;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Declares the audit topology from the producer's side (see proto/README.md): a publisher confirm does not catch
 * an event sent to an exchange with no queue bound, so the queue must exist before the first event. Retries in the
 * background until the broker answers; events published before that are counted as dropped.
 */
@ApplicationScoped
public class AuditTopology {
    public static final String EXCHANGE = "llmops.audit";
    public static final String ROUTING_KEY = "guardrail.v1";
    public static final String QUEUE = "llmops.audit.guardrail-events";
    public static final String DEAD_LETTER_EXCHANGE = "llmops.audit.dlx";
    public static final String DEAD_LETTER_QUEUE = "llmops.audit.guardrail-events.dlq";

    private final Vertx vertx;
    private final RabbitMQOptions options;
    private volatile boolean declared;
    private volatile boolean stopped;

    public AuditTopology(Vertx vertx,
            @ConfigProperty(name = "rabbitmq-host", defaultValue = "127.0.0.1") String host,
            @ConfigProperty(name = "rabbitmq-port", defaultValue = "5672") int port,
            @ConfigProperty(name = "rabbitmq-username", defaultValue = "guest") String username,
            @ConfigProperty(name = "rabbitmq-password", defaultValue = "guest") String password,
            @ConfigProperty(name = "rabbitmq-virtual-host", defaultValue = "/") String vhost,
            @ConfigProperty(name = "rabbitmq-ssl", defaultValue = "false") boolean ssl) {
        this.vertx = vertx;
        // rabbitmq-ssl=true (production, port 5671): TLS with the JVM's trust store
        this.options = new RabbitMQOptions().setHost(host).setPort(port).setUser(username).setPassword(password)
                .setVirtualHost(vhost).setAutomaticRecoveryEnabled(false).setReconnectAttempts(0).setSsl(ssl);
    }

    void onStart(@Observes StartupEvent event) {
        declareWithRetry(0);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    public boolean declared() {
        return declared;
    }

    /** Broker connection settings, shared with {@link AuditPublisher}. */
    RabbitMQOptions options() {
        return new RabbitMQOptions(options);
    }

    private void declareWithRetry(int attempt) {
        if (stopped) {
            return;
        }
        declare().onSuccess(v -> {
            declared = true;
            Log.infof("audit topology declared (exchange %s, queue %s, DLQ %s)", EXCHANGE, QUEUE, DEAD_LETTER_QUEUE);
        }).onFailure(e -> {
            long delay = Math.min(30_000, 500L << Math.min(attempt, 6));
            Log.warnf("could not declare the audit topology yet (%s); retrying in %d ms", e.getMessage(), delay);
            vertx.setTimer(delay, t -> declareWithRetry(attempt + 1));
        });
    }

    private Future<Void> declare() {
        RabbitMQClient client = RabbitMQClient.create(vertx, options);
        JsonObject queueArgs = new JsonObject()
                .put("x-dead-letter-exchange", DEAD_LETTER_EXCHANGE)
                .put("x-dead-letter-routing-key", ROUTING_KEY);
        return client.start()
                .compose(v -> client.exchangeDeclare(EXCHANGE, "topic", true, false))
                .compose(v -> client.exchangeDeclare(DEAD_LETTER_EXCHANGE, "direct", true, false))
                .compose(v -> client.queueDeclare(QUEUE, true, false, false, queueArgs))
                .compose(v -> client.queueBind(QUEUE, EXCHANGE, ROUTING_KEY))
                .compose(v -> client.queueDeclare(DEAD_LETTER_QUEUE, true, false, false))
                .compose(v -> client.queueBind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, ROUTING_KEY))
                .<Void>mapEmpty()
                .eventually(() -> client.stop());
    }
}
