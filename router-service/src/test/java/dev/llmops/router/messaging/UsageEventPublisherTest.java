package dev.llmops.router.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.llmops.testsupport.IsolatedServersResource;
import dev.llmops.testsupport.RealServers;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import llmops.events.v1.UsageEvent;
import llmops.events.v1.UsageEventBatch;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Usage events against a real RabbitMQ (own vhost): every event arrives, in batch messages, and an outage spools and
 * resends them.
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
class UsageEventPublisherTest {
    @Inject
    UsageEventPublisher publisher;
    @Inject
    RedisDataSource redis;
    @ConfigProperty(name = "rabbitmq-virtual-host")
    String vhost;
    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    @Test
    void everyEventArrivesInBatchMessagesOfAtMost512() throws Exception {
        Set<String> sent = publishBatch("burst", 2_000);
        Received r = receive(sent, 30_000);
        assertEquals(sent, r.seen);
        // 2,000 events queued at once leave in few messages (each at most 512 events), not one message per event
        assertTrue(r.messages >= 4 && r.messages <= 1_000, r.messages + " messages for 2,000 events");
    }

    @Test
    void eventsPublishedWhileTheBrokerIsUnreachableAreSpooledAndResent() throws Exception {
        RealServers.deleteVhost(vhost); // the broker closes our connection; reconnecting fails until it is back
        Set<String> sent;
        try {
            sent = publishBatch("outage", 50);
            long deadline = System.currentTimeMillis() + 20_000;
            while (redis.list(byte[].class).llen(prefix + "usage-spool") < 50 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(50, redis.list(byte[].class).llen(prefix + "usage-spool"), "the 50 events wait in the spool");
        } finally {
            RealServers.createVhost(vhost);
        }
        assertEquals(sent, receive(sent, 60_000).seen, "the spool is resent once the broker is back");
        assertEquals(0, redis.list(byte[].class).llen(prefix + "usage-spool"));
    }

    private Set<String> publishBatch(String label, int count) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String id = label + "-" + UUID.randomUUID();
            ids.add(id);
            publisher.publish(UsageEvent.newBuilder().setRequestId(id).setOccurredUnixMs(System.currentTimeMillis()).build());
        }
        return ids;
    }

    private record Received(Set<String> seen, int messages) {
    }

    /**
     * Takes batch messages off the cost-service's queue until every expected request id was seen (or time runs
     * out); each must carry the contract's properties (proto/README.md).
     */
    private Received receive(Set<String> expected, long timeoutMs) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServers.RABBIT_HOST);
        factory.setPort(RealServers.RABBIT_PORT);
        factory.setVirtualHost(vhost);
        Set<String> seen = new HashSet<>();
        int messages = 0;
        long deadline = System.currentTimeMillis() + timeoutMs;
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            // as the cost-service's consumer does (same arguments), in case the router has not reconnected yet
            channel.queueDeclare(UsageBroker.QUEUE, true, false, false, Map.of("x-dead-letter-exchange",
                    UsageBroker.DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key", UsageBroker.ROUTING_KEY));
            while (!seen.containsAll(expected) && System.currentTimeMillis() < deadline) {
                GetResponse message = channel.basicGet(UsageBroker.QUEUE, true);
                if (message == null) {
                    Thread.sleep(50);
                    continue;
                }
                assertEquals("llmops.events.v1.UsageEventBatch", message.getProps().getType());
                assertEquals("application/x-protobuf", message.getProps().getContentType());
                assertEquals(2, message.getProps().getDeliveryMode(), "persistent");
                UsageEventBatch batch = UsageEventBatch.parseFrom(message.getBody());
                assertEquals(batch.getBatchId(), message.getProps().getMessageId());
                assertFalse(batch.getBatchId().isEmpty());
                assertTrue(batch.getEventsCount() >= 1 && batch.getEventsCount() <= UsageEventPublisher.BATCH,
                        batch.getEventsCount() + " events in one message");
                messages++;
                for (UsageEvent event : batch.getEventsList()) {
                    if (expected.contains(event.getRequestId())) {
                        seen.add(event.getRequestId());
                    }
                }
            }
        }
        return new Received(seen, messages);
    }
}
