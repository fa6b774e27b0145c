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
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import llmops.events.v1.UsageEvent;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Publishes one usage event per request with publisher confirms. An event the broker has not confirmed is never
 * dropped: it goes to a spool list in Redis (or, if Redis is down too, to memory) and is sent again every second.
 * The ledger is keyed by request id, so a resend that had in fact arrived changes nothing.
 */
@ApplicationScoped
public class UsageEventPublisher {
    private final MutinyEmitter<byte[]> emitter;
    private final UsageTopology topology;
    private final ReactiveListCommands<String, byte[]> lists;
    private final String spoolKey;
    private final Vertx vertx;
    private final Queue<UsageEvent> memorySpool = new ConcurrentLinkedQueue<>();
    private final Counter published;
    private final Counter spooled;
    private long drainTimer = -1;

    public UsageEventPublisher(@Channel("usage-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                               MutinyEmitter<byte[]> emitter, UsageTopology topology, ReactiveRedisDataSource redis,
                               @ConfigProperty(name = "llmops.redis.key-prefix") String prefix, Vertx vertx,
                               MeterRegistry registry) {
        this.emitter = emitter;
        this.topology = topology;
        this.lists = redis.list(byte[].class);
        this.spoolKey = prefix + "usage-spool";
        this.vertx = vertx;
        this.published = Counter.builder("llmops_router_usage_events_total").tag("result", "published").register(registry);
        this.spooled = Counter.builder("llmops_router_usage_events_total").tag("result", "spooled").register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        drainTimer = vertx.setPeriodic(1000, t -> drain());
    }

    void onStop(@Observes ShutdownEvent event) {
        vertx.cancelTimer(drainTimer);
    }

    /** Sends the event in the background; never fails the request. */
    public void publish(UsageEvent event) {
        if (!topology.declared()) {
            spool(event);
            return;
        }
        send(event).subscribe().with(ok -> published.increment(), e -> {
            Log.warnf("usage event %s not confirmed (%s); spooled for resend", event.getRequestId(), e.getMessage());
            spool(event);
        });
    }

    private Uni<Void> send(UsageEvent event) {
        OutgoingRabbitMQMetadata metadata = OutgoingRabbitMQMetadata.builder()
                .withRoutingKey(UsageTopology.ROUTING_KEY)
                .withMessageId(event.getRequestId())
                .withContentType("application/x-protobuf")
                .withDeliveryMode(2)
                .build();
        return emitter.sendMessage(Message.of(event.toByteArray(), Metadata.of(metadata)));
    }

    private void spool(UsageEvent event) {
        spooled.increment();
        lists.lpush(spoolKey, event.toByteArray()).subscribe().with(n -> { }, e -> {
            Log.errorf("Redis is unavailable too (%s); usage event %s kept in memory", e.getMessage(), event.getRequestId());
            memorySpool.add(event);
        });
    }

    /** Resends spooled events, a bounded batch per tick. */
    private void drain() {
        if (!topology.declared()) {
            return;
        }
        for (int i = 0; i < 1000 && !memorySpool.isEmpty(); i++) {
            publish(memorySpool.poll());
        }
        lists.rpop(spoolKey, 500).subscribe().with(batch -> {
            for (byte[] bytes : batch) {
                try {
                    publish(UsageEvent.parseFrom(bytes));
                } catch (InvalidProtocolBufferException e) {
                    Log.errorf("dropping an unreadable spooled usage event: %s", e.getMessage());
                }
            }
        }, e -> Log.debugf("spool drain skipped: %s", e.getMessage()));
    }
}
