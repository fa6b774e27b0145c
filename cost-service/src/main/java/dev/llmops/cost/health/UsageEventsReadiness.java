package dev.llmops.cost.health;

import dev.llmops.cost.messaging.UsageEventConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the usage-events consumer is registered on an open channel (RabbitMQ reachable). */
@Readiness
@ApplicationScoped
public class UsageEventsReadiness implements HealthCheck {
    private final UsageEventConsumer consumer;

    public UsageEventsReadiness(UsageEventConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("usage-events consumer (RabbitMQ " + UsageEventConsumer.QUEUE + ")")
                .status(consumer.isConsuming()).build();
    }
}
