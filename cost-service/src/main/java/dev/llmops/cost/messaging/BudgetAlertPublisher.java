package dev.llmops.cost.messaging;

import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import llmops.events.v1.BudgetAlert;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Publishes budget threshold crossings (protobuf {@code llmops.events.v1.BudgetAlert}) to the topic exchange
 * {@code llmops.budget} with routing key {@code budget.alert.v1}. Consumers bind their own queue. An alert that
 * cannot be published is logged, never allowed to fail the Settle that crossed the threshold. A copy goes to the
 * webhook when one is configured ({@link BudgetAlertWebhook}).
 */
@ApplicationScoped
public class BudgetAlertPublisher {
    public static final String CHANNEL = "budget-alerts";
    public static final String ROUTING_KEY = "budget.alert.v1";

    private final MutinyEmitter<byte[]> emitter;
    private final BudgetAlertWebhook webhook;

    public BudgetAlertPublisher(@Channel(CHANNEL) MutinyEmitter<byte[]> emitter, BudgetAlertWebhook webhook) {
        this.emitter = emitter;
        this.webhook = webhook;
    }

    public void publish(BudgetAlert alert) {
        Log.infof("budget %s (%s) of tenant %s crossed %d%%: spent %d of %d nanos", alert.getBudgetId(),
                alert.getPeriod(), alert.getTenantId(), alert.getThresholdPercent(), alert.getSpentNanosUsd(),
                alert.getLimitNanosUsd());
        OutgoingRabbitMQMetadata meta = OutgoingRabbitMQMetadata.builder().withRoutingKey(ROUTING_KEY)
                .withContentType("application/x-protobuf").withDeliveryMode(2)
                .withMessageId(alert.getBudgetId() + ":" + alert.getPeriod() + ":" + alert.getThresholdPercent())
                .build();
        emitter.sendMessage(Message.of(alert.toByteArray(), Metadata.of(meta)))
                .subscribe().with(x -> { }, e -> Log.warnf("budget alert not published: %s", e.toString()));
        webhook.send(alert);
    }
}
