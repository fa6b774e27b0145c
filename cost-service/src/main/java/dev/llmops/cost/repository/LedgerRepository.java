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
    /** "No end" for [start, end): later than any event can be. */
    private static final OffsetDateTime OPEN_END = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);

    private static final String INSERT = """
            INSERT INTO usage_ledger (request_id, occurred_at, tenant_id, key_id, user_id, requested_model,
                served_model, provider, prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens,
                cache_write_tokens, usage_estimated, cost_usd, outcome, stream, latency_ms, tags)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, CAST(CAST(?19 AS text) AS jsonb))
            ON CONFLICT (request_id) DO NOTHING""";

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

    /** Totals grouped by key and model for one tenant, ordered by key then model (see UsageLedgerEntry.TOTALS). */
    public Uni<UsageTotals> totals(UsageQuery q) {
        OffsetDateTime start = OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.startUnixMs()), ZoneOffset.UTC);
        OffsetDateTime end = q.endUnixMs() > 0
                ? OffsetDateTime.ofInstant(Instant.ofEpochMilli(q.endUnixMs()), ZoneOffset.UTC) : OPEN_END;
        return Panache.getSession().chain(s -> s.createNamedQuery(UsageLedgerEntry.TOTALS, Object[].class)
                .setParameter("tenant", q.tenantId())
                .setParameter("key", q.keyId())
                .setParameter("model", q.model())
                .setParameter("start", start)
                .setParameter("end", end)
                .getResultList()
        ).map(rows -> {
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
