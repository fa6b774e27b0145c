package dev.llmops.cost.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmops.cost.service.LedgerService;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.rabbitmq.IncomingRabbitMQMessage;
import io.smallrye.reactive.messaging.rabbitmq.RabbitMQRejectMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import llmops.events.v1.UsageEvent;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Usage events from RabbitMQ into the ledger, in batches. Acks only after the batch's transaction committed.
 * A message that can never be recorded (not a UsageEvent, or invalid) is rejected without requeue and lands in
 * the DLQ; a database failure requeues it after a pause, so an outage does not empty the queue into the DLQ.
 */
@ApplicationScoped
public class UsageEventConsumer {
    public static final String CHANNEL = "usage-events";
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final LedgerService ledger;
    private final Counter inserted;
    private final Counter duplicate;
    private final Counter rejected;

    public UsageEventConsumer(LedgerService ledger, MeterRegistry registry) {
        this.ledger = ledger;
        this.inserted = registry.counter("llmops.cost.ledger.events", "result", "inserted");
        this.duplicate = registry.counter("llmops.cost.ledger.events", "result", "duplicate");
        this.rejected = registry.counter("llmops.cost.ledger.events", "result", "rejected");
    }

    @Incoming(CHANNEL)
    public Uni<Void> consume(Message<?> message) {
        UsageEvent event;
        try {
            event = UsageEvent.parseFrom(body(message));
            LedgerService.validate(event);
        } catch (InvalidProtocolBufferException | StatusRuntimeException e) {
            rejected.increment();
            Log.warnf("usage event rejected to the dead-letter queue: %s", e.getMessage());
            return Uni.createFrom().completionStage(
                    message.nack(e, Metadata.of(new RabbitMQRejectMetadata(false))));
        }
        // Returns at once: the ack (or requeue) follows the batch's commit in the background, so many events are
        // in flight (bounded by the prefetch, max-outstanding-messages) and fill one batch together.
        ledger.record(event)
                .onItemOrFailure().transformToUni((recorded, failure) -> {
                    if (failure != null) {
                        Log.warnf("usage event %s not recorded (will be redelivered): %s", event.getRequestId(),
                                failure.toString());
                        return Uni.createFrom().voidItem().onItem().delayIt().by(RETRY_PAUSE)
                                .chain(() -> Uni.createFrom().completionStage(
                                        message.nack(failure, Metadata.of(new RabbitMQRejectMetadata(true)))));
                    }
                    (recorded == LedgerService.Recorded.INSERTED ? inserted : duplicate).increment();
                    return Uni.createFrom().completionStage(message.ack());
                })
                .subscribe().with(x -> { }, e -> Log.warnf("ack of usage event %s failed: %s", event.getRequestId(),
                        e.toString()));
        return Uni.createFrom().voidItem();
    }

    /** The raw bytes, whatever the content type made the connector turn the payload into. */
    private static byte[] body(Message<?> message) {
        if (message instanceof IncomingRabbitMQMessage<?> in) {
            return in.getRabbitMQMessage().body().getBytes();
        }
        Object payload = message.getPayload();
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        if (payload instanceof io.vertx.core.buffer.Buffer b) {
            return b.getBytes();
        }
        if (payload instanceof io.vertx.mutiny.core.buffer.Buffer b) {
            return b.getBytes();
        }
        return String.valueOf(payload).getBytes(StandardCharsets.UTF_8);
    }
}
