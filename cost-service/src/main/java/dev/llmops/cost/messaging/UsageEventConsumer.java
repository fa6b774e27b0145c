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
import dev.llmops.cost.service.BudgetService;
import dev.llmops.cost.service.LedgerService;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;

/**
 * Usage events from RabbitMQ into the ledger, in batches, on the RabbitMQ Java client directly (the reactive
 * messaging connector acks one message at a time through a worker-thread hop: that, not the database, capped
 * ingest). A message holds a {@link UsageEventBatch} (AMQP type {@value #BATCH_TYPE}, what the router sends) or,
 * the earlier format, one {@link UsageEvent} (type absent or {@value #EVENT_TYPE}: a rolling deploy, replayed dead
 * letters). The rows of whole messages are gathered until there are {@code llmops.cost.ledger.batch-size} (500)
 * or nothing more is coming (the linger elapsed, or every message the prefetch allows is already here), written
 * with one multi-row INSERT, then, after it committed, acked with <b>one</b> {@code basicAck(last tag,
 * multiple=true)}. Acks go out strictly in delivery order (a batch's ack waits for every earlier batch's), so a
 * multiple ack never covers an event whose row is not committed. The prefetch counts messages
 * ({@code llmops.cost.ledger.prefetch}, default 32: up to 32 router batches, or 32 single events, unacked).
 * <ul>
 * <li>A body that cannot be read (or has an unknown type), or a single-event message whose event fails
 * validation, is rejected at once without requeue: the queue dead-letters it to the DLQ as it came
 * ({@code ReplayDeadLetters} moves it back).</li>
 * <li>An invalid event inside a readable batch is republished alone, as a single {@code UsageEvent} message, to
 * the dead-letter exchange (on its own confirm channel, confirmed) before the batch is acked; the batch's valid
 * events are written. If that publish fails, the whole message is requeued after a pause.</li>
 * <li>Events marked {@code settle_budget} (the router made no Settle call) are settled against their budgets, and
 * those marked {@code release_budget} (no Release call) have their reservations released, before the commit
 * ({@link BudgetService#settleEvents}).</li>
 * <li>A database failure, or a budget store that cannot settle, nacks the batch with requeue after a pause, so an
 * outage never empties the queue into the DLQ; redelivered events change nothing (the ledger is keyed by request
 * id, a settle is remembered per request id).</li>
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
    /** AMQP type of a batch message (the router's). */
    public static final String BATCH_TYPE = "llmops.events.v1.UsageEventBatch";
    /** AMQP type of a single-event message (earlier producers, and what this consumer dead-letters itself). */
    public static final String EVENT_TYPE = "llmops.events.v1.UsageEvent";
    /** Header of a dead-lettered event from a batch: why it was refused. */
    public static final String INVALID_HEADER = "x-llmops-invalid";
    /** Header of a dead-lettered event from a batch: the batch it came in. */
    public static final String BATCH_ID_HEADER = "x-llmops-batch-id";
    private static final long RETRY_PAUSE_MS = 1000;
    private static final long CONFIRM_TIMEOUT_MS = 10_000;
    private static final long RECONNECT_MS = 2000;

    private final LedgerService ledger;
    private final BudgetService budgets;
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
    /** Messages whose rows are in {@link #rows}. */
    private int fillingMessages;
    /** Messages whose rows are being written (handed to the database, not yet acked or nacked). */
    private int writingMessages;
    private ScheduledFuture<?> lingerTask;
    /** Completes when every batch handed to the database so far has been acked or nacked: acks stay in order. */
    private CompletableFuture<Void> settledTail = CompletableFuture.completedFuture(null);

    private volatile Connection connection;
    private volatile Channel channel;
    private volatile boolean consuming;
    private volatile boolean stopped;
    /** Confirm channel for invalid events of a batch; used on the consumer thread only. */
    private Channel deadLetters;
    private volatile boolean deadLetterReturned;

    public UsageEventConsumer(LedgerService ledger, BudgetService budgets, CostConfig config, MeterRegistry registry,
            RabbitConnections rabbit) {
        this.ledger = ledger;
        this.budgets = budgets;
        this.batchSize = Math.max(1, config.ledger().batchSize());
        this.prefetch = config.ledger().prefetch();
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
            Log.infof("consuming usage events from %s (batch %d rows, prefetch %d messages)", QUEUE, batchSize,
                    prefetch);
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
            String type = props.getType();
            boolean single = type == null || type.isEmpty() || EVENT_TYPE.equals(type);
            List<UsageEvent> events;
            String batchId = "";
            try {
                if (single) {
                    events = List.of(UsageEvent.parseFrom(body));
                } else if (BATCH_TYPE.equals(type)) {
                    UsageEventBatch batch = UsageEventBatch.parseFrom(body);
                    events = batch.getEventsList();
                    batchId = batch.getBatchId();
                } else {
                    throw new InvalidProtocolBufferException("unknown message type '" + type + "' (expected "
                            + BATCH_TYPE + " or " + EVENT_TYPE + ")");
                }
            } catch (InvalidProtocolBufferException e) {
                reject(getChannel(), deliveryTag, e.getMessage());
                return;
            }
            List<LedgerRow> prepared = new ArrayList<>(events.size());
            List<UsageEvent> invalid = new ArrayList<>(0);
            List<String> reasons = new ArrayList<>(0);
            for (UsageEvent event : events) {
                try {
                    prepared.add(ledger.prepare(event));
                } catch (StatusRuntimeException e) {
                    invalid.add(event);
                    reasons.add(e.getStatus().getDescription());
                }
            }
            if (single && !invalid.isEmpty()) {
                reject(getChannel(), deliveryTag, reasons.get(0)); // the message itself goes to the DLQ, as it came
                return;
            }
            if (!invalid.isEmpty() && !deadLetter(getChannel(), invalid, reasons, batchId, deliveryTag)) {
                return; // requeued whole: nothing of it was written
            }
            if (prepared.isEmpty()) { // nothing to write (an empty batch, or every event dead-lettered)
                settleOne(getChannel(), deliveryTag, true);
                return;
            }
            add(prepared, deliveryTag);
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

    private void reject(Channel consumerChannel, long deliveryTag, String why) {
        rejected.increment();
        Log.warnf("usage-event message rejected to the dead-letter queue: %s", why);
        try {
            consumerChannel.basicReject(deliveryTag, false);
        } catch (Exception failed) {
            Log.warnf("reject failed (the message will be redelivered): %s", failed.toString());
        }
    }

    /**
     * Publishes each invalid event of a batch alone to the dead-letter exchange and waits for the broker's confirm
     * (and for no basic.return: the DLQ must be bound), so the batch can then be acked without losing them. On
     * failure the whole message is nacked with requeue after a pause: redelivered, its valid events are written
     * then (the ledger ignores repeats), and its invalid ones may reach the DLQ twice.
     *
     * @return true when every one is confirmed
     */
    private boolean deadLetter(Channel consumerChannel, List<UsageEvent> invalid, List<String> reasons, String batchId,
            long deliveryTag) {
        try {
            Channel ch = deadLetterChannel();
            deadLetterReturned = false;
            for (int i = 0; i < invalid.size(); i++) {
                UsageEvent event = invalid.get(i);
                String reason = reasons.get(i) == null ? "invalid" : reasons.get(i);
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                        .type(EVENT_TYPE)
                        .contentType("application/x-protobuf")
                        .deliveryMode(2)
                        .messageId(event.getRequestId().isEmpty() ? null : event.getRequestId())
                        .headers(Map.of(INVALID_HEADER, reason, BATCH_ID_HEADER, batchId))
                        .build();
                ch.basicPublish(DLX, ROUTING_KEY, true, props, event.toByteArray());
            }
            if (!ch.waitForConfirms(CONFIRM_TIMEOUT_MS)) {
                throw new IOException("the broker refused (nack) a dead-lettered event");
            }
            if (deadLetterReturned) {
                throw new IOException("a dead-lettered event was unroutable (is " + DLQ + " bound to " + DLX + "?)");
            }
            rejected.increment(invalid.size());
            Log.warnf("%d invalid usage events of batch %s dead-lettered alone (the rest is written): %s",
                    invalid.size(), batchId, reasons.get(0));
            return true;
        } catch (Exception e) {
            Log.warnf("could not dead-letter %d invalid usage events of batch %s (%s); the message is requeued in"
                    + " %d ms", invalid.size(), batchId, e.toString(), RETRY_PAUSE_MS);
            closeDeadLetters();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            } else {
                pause();
            }
            // not yet in any batch, so no multiple ack can cover it before this nack
            settleOne(consumerChannel, deliveryTag, false);
            return false;
        }
    }

    private Channel deadLetterChannel() throws IOException {
        Channel ch = deadLetters;
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        ch = connection.createChannel();
        ch.confirmSelect();
        ch.addReturnListener(returned -> deadLetterReturned = true);
        deadLetters = ch;
        return ch;
    }

    private void closeDeadLetters() {
        Channel ch = deadLetters;
        deadLetters = null;
        if (ch != null) {
            try {
                ch.abort();
            } catch (Exception e) {
                Log.debugf("closing the dead-letter channel: %s", e.toString());
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MS); // the consumer thread: no later delivery is taken meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds the rows of one whole message; the batch is written at batch-size rows or once nothing more can come. */
    private synchronized void add(List<LedgerRow> messageRows, long deliveryTag) {
        rows.addAll(messageRows);
        lastTag = deliveryTag;
        fillingMessages++;
        // with every message the prefetch allows in hand, the broker sends no more until an ack: waiting is useless
        boolean prefetchExhausted = prefetch > 0 && fillingMessages + writingMessages >= prefetch;
        if (rows.size() >= batchSize || prefetchExhausted) {
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
        int messages = fillingMessages;
        Channel ch = channel;
        rows = new ArrayList<>(batchSize);
        fillingMessages = 0;
        writingMessages += messages;
        List<UsageEvent> events = batch.stream().map(LedgerRow::event).toList();
        // settled before the commit, as a Settle call came before its event: a budget rebuild from the ledger (Redis
        // lost its data) can then miss a settle in flight, never count one twice; a failed settle or commit
        // redelivers the batch (rows and settles count once per request id)
        CompletableFuture<boolean[]> commit = budgets.settleEvents(events).chain(() -> ledger.write(batch))
                .subscribeAsCompletionStage();
        settledTail = settledTail.thenCompose(previous -> commit.handleAsync((written, failure) -> {
            if (failure == null) {
                count(written);
                settle(ch, tag, true, messages);
                return CompletableFuture.<Void>completedFuture(null);
            }
            Log.warnf("%d usage events not recorded or not settled (requeued in %d ms): %s", batch.size(),
                    RETRY_PAUSE_MS, failure.toString());
            CompletableFuture<Void> later = new CompletableFuture<>();
            timer.schedule(() -> {
                settle(ch, tag, false, messages);
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
    private void settle(Channel ch, long tag, boolean ack, int messages) {
        synchronized (this) {
            writingMessages -= messages;
        }
        acknowledge(ch, tag, ack, true);
    }

    /** Acks (or nacks with requeue) one message that is in no batch. */
    private static void settleOne(Channel ch, long tag, boolean ack) {
        acknowledge(ch, tag, ack, false);
    }

    private static void acknowledge(Channel ch, long tag, boolean ack, boolean multiple) {
        try {
            if (ack) {
                ch.basicAck(tag, multiple);
            } else {
                ch.basicNack(tag, multiple, true);
            }
        } catch (Exception e) {
            // the channel closed: the broker redelivers whatever was unacked, the ledger ignores repeats
            Log.warnf("%s of usage-event message%s %d failed (redelivered): %s", ack ? "ack" : "nack",
                    multiple ? "s up to" : "", tag, e.toString());
        }
    }
}
