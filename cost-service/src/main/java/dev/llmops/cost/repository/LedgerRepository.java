package dev.llmops.cost.repository;

import dev.llmops.cost.Money;
import dev.llmops.cost.UsageLedgerEntry;
import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;

/** The usage ledger in PostgreSQL. Call inside a Panache session/transaction. */
@ApplicationScoped
public class LedgerRepository implements PanacheRepositoryBase<UsageLedgerEntry, String> {
    public static final String OUTCOME_CACHE_HIT = "CACHE_HIT";

    private static final String INSERT = """
            INSERT INTO usage_ledger (request_id, occurred_at, tenant_id, key_id, user_id, requested_model,
                served_model, provider, prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens,
                cache_write_tokens, usage_estimated, cost_usd, outcome, stream, latency_ms, tags)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, CAST(?19 AS jsonb))
            ON CONFLICT (request_id) DO NOTHING""";

    /** The model a row counts under: the one that answered, else the one asked for. */
    private static final String MODEL = "coalesce(nullif(e.servedModel, ''), e.requestedModel)";

    /** @return 1 when the row is new, 0 when a row with this request id was already there */
    public Uni<Integer> insertIfAbsent(UsageEvent event, Instant occurredAt) {
        var u = event.getUsage();
        var c = event.getCaller();
        JsonObject tags = new JsonObject();
        c.getTagsMap().forEach(tags::put);
        return Panache.getSession().chain(s -> s.createNativeQuery(INSERT)
                .setParameter(1, event.getRequestId())
                .setParameter(2, OffsetDateTime.ofInstant(occurredAt, ZoneOffset.UTC))
                .setParameter(3, c.getTenantId())
                .setParameter(4, c.getKeyId())
                .setParameter(5, c.getUserId())
                .setParameter(6, event.getRequestedModel())
                .setParameter(7, event.getServedModel())
                .setParameter(8, event.getProvider())
                .setParameter(9, u.getPromptTokens())
                .setParameter(10, u.getCompletionTokens())
                .setParameter(11, u.getCachedPromptTokens())
                .setParameter(12, u.getReasoningTokens())
                .setParameter(13, u.getCacheWriteTokens())
                .setParameter(14, u.getEstimated())
                .setParameter(15, Money.usdDecimal(event.getCostNanosUsd()))
                .setParameter(16, outcome(event))
                .setParameter(17, event.getStream())
                .setParameter(18, event.getLatencyMs())
                .setParameter(19, tags.encode())
                .executeUpdate());
    }

    static String outcome(UsageEvent event) {
        if (event.getOutcome() == Outcome.UNRECOGNIZED) {
            return "UNKNOWN_" + event.getOutcomeValue();
        }
        return event.getOutcome().name().substring("OUTCOME_".length());
    }

    /** Totals grouped by key and model for one tenant, ordered by key then model. */
    public Uni<UsageTotals> totals(UsageQuery q) {
        StringBuilder hql = new StringBuilder("select e.keyId, ").append(MODEL)
                .append(", count(e), coalesce(sum(e.promptTokens), 0), coalesce(sum(e.completionTokens), 0),")
                .append(" coalesce(sum(e.costUsd), 0), sum(case when e.outcome = '").append(OUTCOME_CACHE_HIT)
                .append("' then 1 else 0 end) from UsageLedgerEntry e where e.tenantId = :tenant");
        if (!q.keyId().isEmpty()) {
            hql.append(" and e.keyId = :key");
        }
        if (!q.model().isEmpty()) {
            hql.append(" and ").append(MODEL).append(" = :model");
        }
        if (q.startUnixMs() > 0) {
            hql.append(" and e.occurredAt >= :start");
        }
        if (q.endUnixMs() > 0) {
            hql.append(" and e.occurredAt < :end");
        }
        hql.append(" group by e.keyId, ").append(MODEL).append(" order by e.keyId, ").append(MODEL);
        return Panache.getSession().chain(s -> {
            var query = s.createSelectionQuery(hql.toString(), Object[].class).setParameter("tenant", q.tenantId());
            if (!q.keyId().isEmpty()) {
                query.setParameter("key", q.keyId());
            }
            if (!q.model().isEmpty()) {
                query.setParameter("model", q.model());
            }
            if (q.startUnixMs() > 0) {
                query.setParameter("start", OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.startUnixMs()), ZoneOffset.UTC));
            }
            if (q.endUnixMs() > 0) {
                query.setParameter("end", OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.endUnixMs()), ZoneOffset.UTC));
            }
            return query.getResultList();
        }).map(rows -> {
            List<UsageTotals.Row> out = new ArrayList<>(rows.size());
            for (Object[] r : rows) {
                out.add(new UsageTotals.Row((String) r[0], (String) r[1], number(r[2]), number(r[3]),
                        number(r[4]), Money.nanos(new BigDecimal(r[5].toString())), number(r[6])));
            }
            return new UsageTotals(q.tenantId(), out);
        });
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }
}
