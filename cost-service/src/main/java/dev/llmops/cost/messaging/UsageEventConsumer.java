package dev.llmops.cost.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.llmops.cost.LedgerRow;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.service.LedgerService;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import llmops.events.v1.UsageEvent;

/**
 * Usage events from RabbitMQ into the ledger, in batches, on the RabbitMQ Java client directly (the reactive
 * messaging connector acks one message at a time through a worker-thread hop: that, not the database, capped
 * ingest). Per batch: one multi-row INSERT, then, after it committed, <b>one</b> {@code basicAck(last tag,
 * multiple=true)}. Acks go out strictly in delivery order (a batch's ack waits for every earlier batch's), so a
 * multiple ack never covers an event whose row is not committed. The prefetch is sized to the batch
 * ({@code llmops.cost.ledger.prefetch}, default two batches: one being written while the next fills).
 * <ul>
 * <li>A body that is not a UsageEvent, or one that fails validation, is rejected at once without requeue: the
 * queue dead-letters it to the DLQ ({@code ReplayDeadLetters} moves it back).</li>
 * <li>A database failure nacks the batch with requeue after a pause, so an outage never empties the queue into
 * the DLQ; redelivered events change nothing (the ledger is keyed by request id).</li>
 * <li>A crash before the commit leaves the batch unacked: the broker redelivers it (shown by LedgerCrashIT).</li>
 * </ul>
 * The queue, its dead-letter exchange and the DLQ are declared here with the arguments producers use.
 */
@ApplicationScoped
public class UsageEventConsumer {
    public static final String EXCHANGE = "llmops.usage";
    public static final String ROUTING_KEY = "usage.v1";
    public static final String QUEUE = "llmops.cost.usage-events";
    public static final String DLX = "llmops.usage.dlx";
    public static final String DLQ = "llmops.cost.usage-events.dlq";
    private static final long RETRY_PAUSE_MS = 1000;
    private static final long RECONNECT_MS = 2000;

    private final LedgerService ledger;
    private final ConnectionFactory factory;
    private final int batchSize;
    private final int prefetch;
    private final long lingerMicros;
    private final Counter inserted;
    private final Counter duplicate;
    private final Counter rejected;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "usage-events-timer");
        t.setDaemon(true);
        return t;
    });

    // guarded by this: the batch being filled (deliveries arrive on one consumer thread, the linger timer is another)
    private List<LedgerRow> rows = new ArrayList<>();
    private long lastTag;
    private ScheduledFuture<?> lingerTask;
    /** Completes when every batch handed to the database so far has been acked or nacked: acks stay in order. */
    private CompletableFuture<Void> settledTail = CompletableFuture.completedFuture(null);

    private volatile Connection connection;
    private volatile Channel channel;
    private volatile boolean consuming;
    private volatile boolean stopped;

    public UsageEventConsumer(LedgerService ledger, CostConfig config, MeterRegistry registry,
            RabbitConnections rabbit) {
        this.ledger = ledger;
        this.batchSize = Math.max(1, config.ledger().batchSize());
        this.prefetch = config.ledger().prefetch().orElse(2 * batchSize);
        this.lingerMicros = Math.max(100, config.ledger().batchLinger().toNanos() / 1000);
        this.inserted = registry.counter("llmops.cost.ledger.events", "result", "inserted");
        this.duplicate = registry.counter("llmops.cost.ledger.events", "result", "duplicate");
        this.rejected = registry.counter("llmops.cost.ledger.events", "result", "rejected");
        this.factory = rabbit.factory();
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(RECONNECT_MS);
    }

    void start(@Observes StartupEvent ignored) {
        timer.execute(this::connect);
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopped = true;
        consuming = false;
        timer.shutdownNow();
        Connection c = connection;
        if (c != null && c.isOpen()) {
            try {
                c.close(2000); // unacked events are redelivered to another replica (or to us after a restart)
            } catch (Exception e) {
                Log.debugf("closing the usage-events connection: %s", e);
            }
        }
    }

    /** Readiness: connected, the channel open and the consumer registered. */
    public boolean isConsuming() {
        Channel ch = channel;
        return consuming && ch != null && ch.isOpen();
    }

    /** First connection; later ones are the client's automatic recovery (topology and consumer included). */
    private void connect() {
        if (stopped) {
            return;
        }
        try {
            Connection c = factory.newConnection("cost-service-usage-events");
            Channel ch = c.createChannel();
            ch.exchangeDeclare(EXCHANGE, "topic", true);
            ch.exchangeDeclare(DLX, "direct", true);
            ch.queueDeclare(QUEUE, true, false, false,
                    Map.of("x-dead-letter-exchange", DLX, "x-dead-letter-routing-key", ROUTING_KEY));
            ch.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
            ch.queueDeclare(DLQ, true, false, false, null);
            ch.queueBind(DLQ, DLX, ROUTING_KEY);
            ch.basicQos(prefetch);
            connection = c;
            channel = ch;
            ch.basicConsume(QUEUE, false, "cost-service-ledger", new Deliveries(ch));
            consuming = true;
            Log.infof("consuming usage events from %s (batch %d, prefetch %d)", QUEUE, batchSize, prefetch);
        } catch (Exception e) {
            Log.warnf("usage events: broker not reachable (%s); retrying in %d ms", e.toString(), RECONNECT_MS);
            if (!stopped) {
                timer.schedule(this::connect, RECONNECT_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private final class Deliveries extends DefaultConsumer {
        Deliveries(Channel ch) {
            super(ch);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            long deliveryTag = envelope.getDeliveryTag();
            LedgerRow row;
            try {
                row = ledger.prepare(UsageEvent.parseFrom(body));
            } catch (InvalidProtocolBufferException | StatusRuntimeException e) {
                rejected.increment();
                Log.warnf("usage event rejected to the dead-letter queue: %s", e.getMessage());
                try {
                    getChannel().basicReject(deliveryTag, false);
                } catch (Exception failed) {
                    Log.warnf("reject failed (the event will be redelivered): %s", failed.toString());
                }
                return;
            }
            add(row, deliveryTag);
        }

        @Override
        public void handleCancel(String consumerTag) {
            consuming = false;
            Log.warnf("the broker cancelled the usage-events consumer (queue %s deleted?)", QUEUE);
        }

        @Override
        public void handleRecoverOk(String consumerTag) {
            consuming = true;
            Log.infof("usage-events consumer recovered");
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            if (!sig.isInitiatedByApplication()) {
                Log.warnf("usage-events channel closed: %s (the client reconnects)", sig.getMessage());
            }
        }
    }

    private synchronized void add(LedgerRow row, long deliveryTag) {
        rows.add(row);
        lastTag = deliveryTag;
        if (rows.size() >= batchSize) {
            flush();
        } else if (lingerTask == null) {
            lingerTask = timer.schedule(this::lingerElapsed, lingerMicros, TimeUnit.MICROSECONDS);
        }
    }

    private synchronized void lingerElapsed() {
        lingerTask = null;
        flush();
    }

    /**
     * Hands the current batch to the database; its ack is chained after every earlier batch's and sent from the
     * timer thread (the client's socket write never runs on a Vert.x event loop).
     */
    private synchronized void flush() {
        if (lingerTask != null) {
            lingerTask.cancel(false);
            lingerTask = null;
        }
        if (rows.isEmpty()) {
            return;
        }
        List<LedgerRow> batch = rows;
        long tag = lastTag;
        Channel ch = channel;
        rows = new ArrayList<>(batchSize);
        CompletableFuture<boolean[]> commit = ledger.write(batch).subscribeAsCompletionStage();
        settledTail = settledTail.thenCompose(previous -> commit.handleAsync((written, failure) -> {
            if (failure == null) {
                count(written);
                settle(ch, tag, true);
                return CompletableFuture.<Void>completedFuture(null);
            }
            Log.warnf("%d usage events not recorded (requeued in %d ms): %s", batch.size(), RETRY_PAUSE_MS,
                    failure.toString());
            CompletableFuture<Void> later = new CompletableFuture<>();
            timer.schedule(() -> {
                settle(ch, tag, false);
                later.complete(null);
            }, RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
            return later;
        }, timer).thenCompose(f -> f));
    }

    private void count(boolean[] written) {
        int n = 0;
        for (boolean w : written) {
            n += w ? 1 : 0;
        }
        inserted.increment(n);
        duplicate.increment(written.length - n);
    }

    /** Acks (or nacks with requeue) every delivery up to {@code tag}: earlier batches are settled already. */
    private static void settle(Channel ch, long tag, boolean ack) {
        try {
            if (ack) {
                ch.basicAck(tag, true);
            } else {
                ch.basicNack(tag, true, true);
            }
        } catch (Exception e) {
            // the channel closed: the broker redelivers whatever was unacked, the ledger ignores repeats
            Log.warnf("%s of usage events up to %d failed (they will be redelivered): %s", ack ? "ack" : "nack",
                    tag, e.toString());
        }
    }
}
