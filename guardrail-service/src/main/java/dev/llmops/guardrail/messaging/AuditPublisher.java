package dev.llmops.guardrail.messaging;

import com.rabbitmq.client.AMQP;
import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.service.AuditSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.rabbitmq.RabbitMQClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import llmops.common.v1.Caller;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.AuditFinding;
import llmops.guardrail.v1.Direction;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.GuardrailAuditBatch;
import llmops.guardrail.v1.GuardrailAuditEvent;

/**
 * One {@link GuardrailAuditEvent} per verdict, published in batches ({@link GuardrailAuditBatch}, one broker message
 * per batch) to exchange {@code llmops.audit} (routing key {@code guardrail.v1}), persistent, with publisher confirms,
 * through the Vert.x RabbitMQ client directly. A verdict only appends its event to an in-memory queue (no broker
 * call, no config lookups); a flush on one Vert.x context sends up to {@code audit.batch-size} events when that many
 * are waiting or every {@code audit.flush-interval}. A batch stays in memory until the broker confirms it; an
 * unconfirmed one is sent again on the next flush (consumers de-duplicate on the event id). At most
 * {@code audit.max-buffered-events} wait: beyond that, and at shutdown after a last flush, events are dropped and
 * counted ({@code llmops_guardrail_audit_events_total{result="failed"}}). Events never hold text or matched values
 * (the user id is left out too: cohorts come from the caller's tags).
 */
@ApplicationScoped
public class AuditPublisher implements AuditSink {
    /** AMQP {@code type} of every audit message, so a consumer can tell the batch format. */
    public static final String MESSAGE_TYPE = "llmops.guardrail.v1.GuardrailAuditBatch";
    private static final long CONFIRM_TIMEOUT_MS = 5_000;

    private final Vertx vertx;
    private final AuditTopology topology;
    private final boolean enabled;
    private final int batchSize;
    private final long flushIntervalMs;
    private final int maxBuffered;
    private final Counter published;
    private final Counter failed;
    private final Counter retried;
    private final Counter batches;

    private final ConcurrentLinkedQueue<GuardrailAuditEvent> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    // Touched only on `context`.
    private Context context;
    private RabbitMQClient client;
    private GuardrailAuditBatch unconfirmed;
    private boolean inFlight;
    private long timer = -1;

    public AuditPublisher(Vertx vertx, AuditTopology topology, GuardrailConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        this.topology = topology;
        this.enabled = config.audit().enabled();
        this.batchSize = config.audit().batchSize();
        this.flushIntervalMs = config.audit().flushInterval().toMillis();
        this.maxBuffered = config.audit().maxBufferedEvents();
        if (batchSize < 1 || maxBuffered < batchSize || flushIntervalMs < 1) {
            throw new IllegalArgumentException("llmops.guardrail.audit: batch-size must be at least 1, "
                    + "max-buffered-events at least batch-size, flush-interval at least 1ms");
        }
        this.published = counter(registry, "published");
        this.failed = counter(registry, "failed");
        this.retried = counter(registry, "retried");
        this.batches = Counter.builder("llmops.guardrail.audit.batches").description("Audit batches confirmed")
                .register(registry);
        Gauge.builder("llmops.guardrail.audit.buffered", buffered, AtomicInteger::get)
                .description("Audit events waiting for a broker confirm").strongReference(true).register(registry);
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("llmops.guardrail.audit.events").description("Audit events by publish result")
                .tag("result", result).register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        context = vertx.getOrCreateContext();
        context.runOnContext(v -> timer = vertx.setPeriodic(flushIntervalMs, t -> flush()));
    }

    /** Last flushes (for up to the confirm timeout), then whatever is left is counted as lost. */
    void onStop(@Observes ShutdownEvent event) {
        if (!enabled || context == null) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        context.runOnContext(v -> {
            vertx.cancelTimer(timer);
            drainAll(System.nanoTime() + CONFIRM_TIMEOUT_MS * 1_000_000).onComplete(r -> {
                int lost = buffered.getAndSet(0);
                if (lost > 0) {
                    failed.increment(lost);
                    Log.warnf("%d audit events not confirmed by the broker at shutdown", lost);
                }
                closeClient();
                done.countDown();
            });
        });
        try {
            done.await(CONFIRM_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void publish(Caller caller, String requestId, Direction direction, Action verdict, List<Finding> findings,
            long policyVersion, String reviewId, long nanos) {
        if (!enabled) {
            return;
        }
        if (buffered.incrementAndGet() > maxBuffered) {
            buffered.decrementAndGet();
            failed.increment();
            return; // the broker has been away for a while; the counter (and the buffered gauge) say so
        }
        pending.add(event(caller, requestId, direction, verdict, findings, policyVersion, reviewId, nanos));
        if (buffered.get() >= batchSize && context != null && flushQueued.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                flushQueued.set(false);
                flush();
            });
        }
    }

    /** Sends the unconfirmed batch again, or the next one; repeats while full batches are waiting. */
    private void flush() {
        if (inFlight || !topology.declared()) {
            return; // events wait (bounded) until the topology exists, so none goes to an unbound exchange
        }
        drainOnce().onSuccess(sent -> {
            if (sent && buffered.get() >= batchSize) {
                flush();
            }
        });
    }

    /** Batches out until none is left or the deadline passes (waiting for one already in flight). */
    private Future<Void> drainAll(long deadline) {
        if (System.nanoTime() > deadline || (buffered.get() == 0 && !inFlight) || !topology.declared()) {
            return Future.succeededFuture();
        }
        if (inFlight) {
            io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
            vertx.setTimer(20, t -> drainAll(deadline).onComplete(later));
            return later.future();
        }
        return drainOnce().compose(sent -> sent ? drainAll(deadline) : Future.succeededFuture());
    }

    /** One batch out and confirmed; true if one was sent. Runs on {@code context}. */
    private Future<Boolean> drainOnce() {
        if (inFlight) {
            return Future.succeededFuture(false);
        }
        GuardrailAuditBatch batch = unconfirmed != null ? unconfirmed : nextBatch();
        if (batch == null) {
            return Future.succeededFuture(false);
        }
        unconfirmed = batch;
        inFlight = true;
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .contentType("application/x-protobuf")
                .type(MESSAGE_TYPE)
                .messageId(batch.getBatchId())
                .deliveryMode(2)
                .build();
        return connected()
                .compose(c -> c.basicPublish(AuditTopology.EXCHANGE, AuditTopology.ROUTING_KEY, properties,
                        Buffer.buffer(batch.toByteArray())).compose(v -> c.waitForConfirms(CONFIRM_TIMEOUT_MS)))
                .transform(result -> {
                    inFlight = false;
                    if (result.succeeded()) {
                        unconfirmed = null;
                        buffered.addAndGet(-batch.getEventsCount());
                        published.increment(batch.getEventsCount());
                        batches.increment();
                        return Future.succeededFuture(true);
                    }
                    retried.increment(batch.getEventsCount());
                    Log.warnf("audit batch of %d events not confirmed (%s); it is sent again on the next flush",
                            batch.getEventsCount(), result.cause().getMessage());
                    closeClient(); // reconnect on the next flush
                    return Future.succeededFuture(false);
                });
    }

    private GuardrailAuditBatch nextBatch() {
        GuardrailAuditBatch.Builder b = null;
        for (int i = 0; i < batchSize; i++) {
            GuardrailAuditEvent e = pending.poll();
            if (e == null) {
                break;
            }
            if (b == null) {
                b = GuardrailAuditBatch.newBuilder().setBatchId(UUID.randomUUID().toString());
            }
            b.addEvents(e);
        }
        return b == null ? null : b.build();
    }

    private Future<RabbitMQClient> connected() {
        if (client != null && client.isConnected()) {
            return Future.succeededFuture(client);
        }
        closeClient();
        RabbitMQClient c = RabbitMQClient.create(vertx, topology.options());
        client = c;
        return c.start().compose(v -> c.confirmSelect()).map(v -> c);
    }

    private void closeClient() {
        if (client != null) {
            RabbitMQClient c = client;
            client = null;
            c.stop().onFailure(e -> Log.debugf("closing the audit connection: %s", e.getMessage()));
        }
    }

    static GuardrailAuditEvent event(Caller caller, String requestId, Direction direction, Action verdict,
            List<Finding> findings, long policyVersion, String reviewId, long nanos) {
        GuardrailAuditEvent.Builder b = GuardrailAuditEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setRequestId(requestId)
                .setTenantId(caller.getTenantId())
                .setKeyId(caller.getKeyId())
                .setDirection(direction)
                .setVerdict(verdict)
                .setPolicyVersion(policyVersion)
                .setOccurredAtUnixMs(System.currentTimeMillis())
                .putAllTags(caller.getTagsMap())
                .setReviewId(reviewId)
                .setDurationMicros(nanos / 1000);
        for (Finding f : findings) {
            b.addFindings(AuditFinding.newBuilder().setType(f.getType()).setScanner(f.getScanner())
                    .setScore(f.getScore()).setAction(f.getAction()).setMessageIndex(f.getMessageIndex()));
        }
        return b.build();
    }
}
