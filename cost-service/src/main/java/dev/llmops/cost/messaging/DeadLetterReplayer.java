package dev.llmops.cost.messaging;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Moves dead-lettered usage-event messages back onto the usage exchange (after the cause was fixed, e.g. a price
 * added or a bug deployed), properties unchanged: a whole message that could not be read comes back as it was, an
 * invalid event taken out of a batch comes back as a single-event message (the consumer accepts both). Each message is republished with publisher confirms and only then removed from the DLQ,
 * so a crash mid-way duplicates at worst (harmless: the ledger is keyed by request id) and never loses one.
 */
@ApplicationScoped
public class DeadLetterReplayer {
    static final String EXCHANGE = UsageEventConsumer.EXCHANGE;
    static final String ROUTING_KEY = UsageEventConsumer.ROUTING_KEY;
    static final String DLQ = UsageEventConsumer.DLQ;

    private final ConnectionFactory factory;

    public DeadLetterReplayer(RabbitConnections rabbit) {
        this.factory = rabbit.factory();
    }

    /** Blocking work on a worker thread. @return how many messages were moved */
    public Uni<Integer> replay(int max) {
        int limit = max <= 0 ? 1000 : max;
        return Uni.createFrom().item(() -> {
            try (Connection c = factory.newConnection("cost-service-dlq-replay"); Channel ch = c.createChannel()) {
                ch.confirmSelect();
                int moved = 0;
                while (moved < limit) {
                    GetResponse r = ch.basicGet(DLQ, false);
                    if (r == null) {
                        break;
                    }
                    ch.basicPublish(EXCHANGE, ROUTING_KEY, true, r.getProps(), r.getBody());
                    ch.waitForConfirmsOrDie(10_000);
                    ch.basicAck(r.getEnvelope().getDeliveryTag(), false);
                    moved++;
                }
                Log.infof("replayed %d dead-lettered usage events", moved);
                return moved;
            } catch (Exception e) {
                throw new IllegalStateException("broker unavailable for the replay: " + e.getMessage(), e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
