package dev.llmops.router.messaging;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The router's connection to RabbitMQ for usage events, used by the one publisher thread only. On (re)connect it
 * declares the contract's topology (proto/README.md) with the same arguments as the cost-service's consumer: a
 * confirm does not catch an event sent to an exchange with no queue bound, so the queue must exist first.
 */
@ApplicationScoped
public class UsageBroker {
    public static final String EXCHANGE = "llmops.usage";
    public static final String ROUTING_KEY = "usage.v1";
    public static final String QUEUE = "llmops.cost.usage-events";
    public static final String DEAD_LETTER_EXCHANGE = "llmops.usage.dlx";
    public static final String DEAD_LETTER_QUEUE = "llmops.cost.usage-events.dlq";
    /** The AMQP type property of a batch message (proto/README.md). */
    public static final String MESSAGE_TYPE = "llmops.events.v1.UsageEventBatch";
    private static final long CONFIRM_TIMEOUT_MS = 5_000;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final ConnectionFactory factory = new ConnectionFactory();
    private Connection connection;
    private Channel channel;
    private volatile boolean connected;
    private long nextAttemptAt;
    private int failedAttempts;

    public UsageBroker(@ConfigProperty(name = "rabbitmq-host", defaultValue = "127.0.0.1") String host,
                       @ConfigProperty(name = "rabbitmq-port", defaultValue = "5672") int port,
                       @ConfigProperty(name = "rabbitmq-username", defaultValue = "guest") String username,
                       @ConfigProperty(name = "rabbitmq-password", defaultValue = "guest") String password,
                       @ConfigProperty(name = "rabbitmq-virtual-host", defaultValue = "/") String vhost,
                       @ConfigProperty(name = "rabbitmq-ssl", defaultValue = "false") boolean ssl) {
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(username);
        factory.setPassword(password);
        factory.setVirtualHost(vhost);
        factory.setConnectionTimeout(2_000);
        factory.setAutomaticRecoveryEnabled(false); // reconnecting is ours: the next batch reconnects
        if (ssl) { // TLS with the JVM's trust store, host name checked (production: RABBITMQ_SSL=true, port 5671)
            try {
                factory.useSslProtocol(SSLContext.getDefault());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no TLS support in this JVM for rabbitmq-ssl=true", e);
            }
            factory.enableHostnameVerification();
        }
    }

    public boolean connected() {
        return connected;
    }

    /**
     * Publishes the events as one persistent {@link UsageEventBatch} message (a fresh batch id per attempt: the
     * ledger de-duplicates on request id) and returns once the broker confirmed it.
     */
    void publishConfirmed(List<UsageEvent> events) throws IOException, InterruptedException, TimeoutException {
        Channel ch = channel();
        try {
            UsageEventBatch batch = UsageEventBatch.newBuilder().setBatchId(UUID.randomUUID().toString())
                    .addAllEvents(events).build();
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .messageId(batch.getBatchId())
                    .type(MESSAGE_TYPE)
                    .contentType("application/x-protobuf")
                    .deliveryMode(2)
                    .build();
            ch.basicPublish(EXCHANGE, ROUTING_KEY, properties, batch.toByteArray());
            ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
        } catch (IOException | TimeoutException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Connects unless connected or backing off; failures are only logged (the next batch retries). */
    void ensureConnected() {
        try {
            channel();
        } catch (IOException e) {
            Log.debugf("usage events: %s", e.getMessage());
        }
    }

    private Channel channel() throws IOException {
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        close();
        long now = System.currentTimeMillis();
        if (now < nextAttemptAt) {
            throw new IOException("RabbitMQ unreachable; next connection attempt in " + (nextAttemptAt - now) + " ms");
        }
        try {
            connection = factory.newConnection("llmops-router-usage-events");
            channel = connection.createChannel();
            channel.confirmSelect();
            declareTopology(channel);
            failedAttempts = 0;
            connected = true;
            Log.infof("usage events: connected to RabbitMQ, topology declared (exchange %s, queue %s, DLQ %s)",
                    EXCHANGE, QUEUE, DEAD_LETTER_QUEUE);
            return channel;
        } catch (IOException | TimeoutException | RuntimeException e) {
            close();
            long backoff = Math.min(MAX_BACKOFF_MS, 500L << Math.min(failedAttempts++, 6));
            nextAttemptAt = now + backoff;
            throw new IOException("cannot reach RabbitMQ (" + e.getMessage() + "); retrying in " + backoff + " ms", e);
        }
    }

    private static void declareTopology(Channel ch) throws IOException {
        ch.exchangeDeclare(EXCHANGE, "topic", true);
        ch.exchangeDeclare(DEAD_LETTER_EXCHANGE, "direct", true);
        ch.queueDeclare(QUEUE, true, false, false,
                Map.of("x-dead-letter-exchange", DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key", ROUTING_KEY));
        ch.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
        ch.queueDeclare(DEAD_LETTER_QUEUE, true, false, false, null);
        ch.queueBind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, ROUTING_KEY);
    }

    synchronized void close() {
        connected = false;
        if (connection != null) {
            try {
                connection.close(1_000);
            } catch (IOException | RuntimeException e) {
                Log.debugf("closing the RabbitMQ connection: %s", e.getMessage());
            }
        }
        connection = null;
        channel = null;
    }
}
