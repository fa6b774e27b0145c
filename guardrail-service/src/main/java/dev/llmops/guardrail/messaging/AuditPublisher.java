package dev.llmops.guardrail.messaging;

import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.service.AuditSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import llmops.common.v1.Caller;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.AuditFinding;
import llmops.guardrail.v1.Direction;
import llmops.guardrail.v1.Finding;
import llmops.guardrail.v1.GuardrailAuditEvent;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * One {@link GuardrailAuditEvent} per verdict to exchange {@code llmops.audit} (routing key {@code guardrail.v1}),
 * persistent, with publisher confirms. The event holds types, scanners, scores, actions and ids, never text or
 * matched values (the user id is left out too: cohorts come from the caller's tags). Best effort: an unconfirmed
 * event is counted ({@code llmops_guardrail_audit_events_total{result="failed"}}) and logged, not retried; the
 * verdict itself never waits for the broker.
 */
@ApplicationScoped
public class AuditPublisher implements AuditSink {
    private final MutinyEmitter<byte[]> emitter;
    private final AuditTopology topology;
    private final boolean enabled;
    private final Counter published;
    private final Counter failed;
    private final Counter skipped;

    public AuditPublisher(@Channel("audit-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
            MutinyEmitter<byte[]> emitter, AuditTopology topology, GuardrailConfig config, MeterRegistry registry) {
        this.emitter = emitter;
        this.topology = topology;
        this.enabled = config.audit().enabled();
        this.published = counter(registry, "published");
        this.failed = counter(registry, "failed");
        this.skipped = counter(registry, "not_ready");
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("llmops.guardrail.audit.events").description("Audit events by publish result")
                .tag("result", result).register(registry);
    }

    @Override
    public void publish(Caller caller, String requestId, Direction direction, Action verdict, List<Finding> findings,
            long policyVersion, String reviewId, long nanos) {
        if (!enabled) {
            return;
        }
        if (!topology.declared()) {
            skipped.increment();
            return;
        }
        GuardrailAuditEvent event = event(caller, requestId, direction, verdict, findings, policyVersion, reviewId,
                nanos);
        OutgoingRabbitMQMetadata metadata = OutgoingRabbitMQMetadata.builder()
                .withRoutingKey(AuditTopology.ROUTING_KEY)
                .withMessageId(event.getEventId())
                .withContentType("application/x-protobuf")
                .withDeliveryMode(2)
                .build();
        try {
            emitter.sendMessage(Message.of(event.toByteArray(), Metadata.of(metadata))).subscribe().with(
                    ok -> published.increment(), e -> {
                        failed.increment();
                        Log.warnf("audit event for request %s not confirmed: %s", requestId, e.getMessage());
                    });
        } catch (RuntimeException e) { // e.g. the emitter's buffer is full
            failed.increment();
            Log.warnf("audit event for request %s not sent: %s", requestId, e.getMessage());
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
