package dev.llmops.cost;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
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
@NamedQuery(name = UsageLedgerEntry.TOTALS, query = UsageLedgerEntry.TOTALS_HQL)
public class UsageLedgerEntry extends PanacheEntityBase {
    /**
     * Totals by key and model (the served model, else the requested one). One fixed query shape, named so
     * Hibernate parses it once at boot instead of on the event loop at the first report; empty key/model mean
     * "all", and the time range is always bounded (the caller fills open ends).
     */
    public static final String TOTALS = "UsageLedgerEntry.totals";
    static final String MODEL = "coalesce(nullif(e.servedModel, ''), e.requestedModel)";
    static final String TOTALS_HQL = "select e.keyId, " + MODEL + ", count(e), coalesce(sum(e.promptTokens), 0),"
            + " coalesce(sum(e.completionTokens), 0), coalesce(sum(e.costUsd), 0),"
            + " sum(case when e.outcome = 'CACHE_HIT' then 1 else 0 end)"
            + " from UsageLedgerEntry e where e.tenantId = :tenant"
            + " and (:key = '' or e.keyId = :key) and (:model = '' or " + MODEL + " = :model)"
            + " and e.occurredAt >= :start and e.occurredAt < :end"
            + " group by e.keyId, " + MODEL + " order by e.keyId, " + MODEL;

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
