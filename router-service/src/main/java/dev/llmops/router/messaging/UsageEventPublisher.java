package dev.llmops.router.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.list.ReactiveListCommands;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import llmops.events.v1.UsageEvent;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Publishes one usage event per request, with publisher confirms. Requests only enqueue (never block, never fail);
 * one publisher thread takes whatever has queued up (up to {@value #BATCH} events), sends it as <b>one</b> broker
 * message (a {@code UsageEventBatch}) and waits for its confirm, so the cost per event, for the router and for the
 * broker, falls as the load rises. After the first event of a batch it lingers ({@code llmops.usage-events.linger},
 * 20 ms) so that, under load, one message carries many events instead of one or two.
 * <p>
 * An event the broker has not confirmed is never dropped: it goes to a spool list in Redis (or, if Redis is down
 * too, to memory), one entry per event, and is queued again once the broker is back (so it leaves in a batch
 * again). The ledger is keyed by request id, so a resend of an event that had in fact arrived changes nothing.
 */
@ApplicationScoped
public class UsageEventPublisher {
    static final int BATCH = 512;
    private static final int SPOOL_DRAIN_BATCH = 500;
    private static final Duration SPOOL_TIMEOUT = Duration.ofSeconds(2);

    private final UsageBroker broker;
    private final ReactiveListCommands<String, byte[]> lists;
    private final String spoolKey;
    private final Vertx vertx;
    /** How long the publisher waits after an event for more to join its message (fewer, fuller broker messages). */
    private final long lingerMillis;
    private final BlockingQueue<UsageEvent> queue;
    private final Queue<UsageEvent> memorySpool = new ConcurrentLinkedQueue<>();
    private final Counter published;
    private final Counter spooled;
    private volatile boolean running;
    private boolean failing;
    private Thread sender;
    private long drainTimer = -1;

    public UsageEventPublisher(UsageBroker broker, ReactiveRedisDataSource redis,
                               @ConfigProperty(name = "llmops.redis.key-prefix") String prefix,
                               @ConfigProperty(name = "llmops.usage-events.queue-capacity", defaultValue = "65536")
                               int capacity,
                               @ConfigProperty(name = "llmops.usage-events.linger", defaultValue = "20ms")
                               Duration linger, Vertx vertx, MeterRegistry registry) {
        this.lingerMillis = linger.toMillis();
        this.broker = broker;
        this.lists = redis.list(byte[].class);
        this.spoolKey = prefix + "usage-spool";
        this.vertx = vertx;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.published = Counter.builder("llmops_router_usage_events_total").tag("result", "published").register(registry);
        this.spooled = Counter.builder("llmops_router_usage_events_total").tag("result", "spooled").register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        sender = new Thread(this::sendLoop, "usage-event-publisher");
        sender.setDaemon(true);
        sender.start();
        drainTimer = vertx.setPeriodic(1000, t -> drainSpool());
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        vertx.cancelTimer(drainTimer);
        running = false;
        sender.interrupt();
        sender.join(10_000);
        broker.close();
    }

    /** Queues the event for the publisher thread; never blocks and never fails the request. */
    public void publish(UsageEvent event) {
        if (!queue.offer(event)) {
            spool(List.of(event));
        }
    }

    private void sendLoop() {
        List<UsageEvent> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                UsageEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    broker.ensureConnected(); // so that the spool drains even when no request comes
                    continue;
                }
                batch.add(first);
                if (lingerMillis > 0 && queue.size() < BATCH - 1) {
                    // sleeping, not waiting on the queue: requests that enqueue meanwhile wake nobody
                    Thread.sleep(lingerMillis);
                }
                queue.drainTo(batch, BATCH - 1);
                send(batch);
            } catch (InterruptedException e) { // shutdown
                if (!running) {
                    drainOnShutdown(batch);
                    return;
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void send(List<UsageEvent> batch) {
        try {
            broker.publishConfirmed(batch);
            published.increment(batch.size());
            failing = false;
        } catch (Exception e) {
            if (!failing) { // once per outage, not once per batch
                Log.warnf("usage events not confirmed (%s); spooling them in Redis for resend", e.getMessage());
            }
            failing = true;
            spool(batch);
        }
    }

    /** On shutdown: one last attempt for what is still queued, the rest to the spool. */
    private void drainOnShutdown(List<UsageEvent> batch) {
        queue.drainTo(batch);
        if (!batch.isEmpty()) {
            send(batch);
        }
    }

    private void spool(List<UsageEvent> batch) {
        List<UsageEvent> events = List.copyOf(batch); // the caller reuses its batch list; the Redis answer comes later
        spooled.increment(events.size());
        byte[][] values = new byte[events.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = events.get(i).toByteArray();
        }
        Uni<Long> push = lists.lpush(spoolKey, values).ifNoItem().after(SPOOL_TIMEOUT).fail();
        if (running || Thread.currentThread() != sender) {
            push.subscribe().with(n -> { }, e -> keepInMemory(events, e));
            return;
        }
        try { // shutting down: the process may exit right after, so wait for Redis
            push.await().indefinitely();
        } catch (RuntimeException e) {
            keepInMemory(events, e);
        }
    }

    private void keepInMemory(List<UsageEvent> events, Throwable redisError) {
        Log.errorf("Redis is unavailable too (%s); %d usage events kept in memory", redisError.getMessage(), events.size());
        memorySpool.addAll(events);
    }

    /** Puts spooled events back on the queue, a bounded batch per tick, while the broker takes them. */
    private void drainSpool() {
        if (!broker.connected() || queue.remainingCapacity() < SPOOL_DRAIN_BATCH * 2) {
            return;
        }
        for (int i = 0; i < SPOOL_DRAIN_BATCH && !memorySpool.isEmpty(); i++) {
            queue.offer(memorySpool.poll());
        }
        lists.rpop(spoolKey, SPOOL_DRAIN_BATCH).subscribe().with(spooledEvents -> {
            for (byte[] bytes : spooledEvents) {
                try {
                    publish(UsageEvent.parseFrom(bytes));
                } catch (InvalidProtocolBufferException e) {
                    Log.errorf("dropping an unreadable spooled usage event: %s", e.getMessage());
                }
            }
        }, e -> Log.debugf("spool drain skipped: %s", e.getMessage()));
    }
}
