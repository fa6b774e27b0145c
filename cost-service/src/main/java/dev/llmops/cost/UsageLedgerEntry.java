package dev.llmops.cost;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.OffsetDateTime;

/**
 * One ledger row, for reading (reports). Rows are written only by LedgerRepository's native
 * INSERT ... ON CONFLICT DO NOTHING, never persisted through this entity. The jsonb {@code tags} column is
 * not mapped: nothing reads it here.
 */
@Entity
@Table(name = "usage_ledger")
public class UsageLedgerEntry extends PanacheEntityBase {
    @Id
    @Column(name = "request_id")
    public String requestId;
    @Column(name = "occurred_at")
    public OffsetDateTime occurredAt;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "key_id")
    public String keyId;
    @Column(name = "user_id")
    public String userId;
    @Column(name = "requested_model")
    public String requestedModel;
    @Column(name = "served_model")
    public String servedModel;
    public String provider;
    @Column(name = "prompt_tokens")
    public long promptTokens;
    @Column(name = "completion_tokens")
    public long completionTokens;
    @Column(name = "cached_prompt_tokens")
    public long cachedPromptTokens;
    @Column(name = "reasoning_tokens")
    public long reasoningTokens;
    @Column(name = "cache_write_tokens")
    public long cacheWriteTokens;
    @Column(name = "usage_estimated")
    public boolean usageEstimated;
    @Column(name = "cost_usd", precision = 30, scale = 9)
    public BigDecimal costUsd;
    public String outcome;
    public boolean stream;
    @Column(name = "latency_ms")
    public long latencyMs;
    @Column(name = "recorded_at")
    public OffsetDateTime recordedAt;
}
