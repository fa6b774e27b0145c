package dev.llmops.cost.repository;

import dev.llmops.cost.LedgerRow;
import dev.llmops.cost.Money;
import dev.llmops.cost.UsageLedgerEntry;
import dev.llmops.cost.UsageQuery;
import dev.llmops.cost.UsageTotals;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;

/** The usage ledger in PostgreSQL: batch writes over the reactive pool, totals through a Panache session. */
@ApplicationScoped
public class LedgerRepository implements PanacheRepositoryBase<UsageLedgerEntry, String> {
    /** "No end" for [start, end): later than any event can be. */
    private static final OffsetDateTime OPEN_END = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);

    private static final String INSERT = """
            INSERT INTO usage_ledger (request_id, occurred_at, tenant_id, key_id, user_id, requested_model,
                served_model, provider, prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens,
                cache_write_tokens, usage_estimated, cost_usd, outcome, stream, latency_ms, tags, team, route, tier,
                list_cost_usd, unpriced, baseline_cost_usd, cache_savings_usd)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                $19, $20, $21, $22, $23, $24, $25, $26)
            ON CONFLICT (request_id) DO NOTHING""";

    private final Pool pool;

    public LedgerRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Writes a batch in one transaction with one multi-row statement. Rows are sorted by request id so two
     * concurrent batches cannot deadlock on each other's keys.
     *
     * @return per row, in the order given: true when it is new, false when the request id was already there
     */
    public Uni<boolean[]> insertBatch(List<LedgerRow> rows) {
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparing(i -> rows.get(i).event().getRequestId()));
        List<Tuple> tuples = new ArrayList<>(rows.size());
        for (Integer i : order) {
            tuples.add(tuple(rows.get(i)));
        }
        return pool.withTransaction(conn -> conn.preparedQuery(INSERT).executeBatch(tuples)).map(first -> {
            boolean[] inserted = new boolean[rows.size()];
            RowSet<Row> rs = first;
            for (Integer i : order) {
                inserted[i] = rs.rowCount() == 1;
                rs = rs.next();
            }
            return inserted;
        });
    }

    private static Tuple tuple(LedgerRow row) {
        UsageEvent event = row.event();
        var u = event.getUsage();
        var c = event.getCaller();
        JsonObject tags = new JsonObject();
        c.getTagsMap().forEach(tags::put);
        return Tuple.tuple()
                .addValue(event.getRequestId())
                .addValue(OffsetDateTime.ofInstant(row.occurredAt(), ZoneOffset.UTC))
                .addValue(c.getTenantId())
                .addValue(c.getKeyId())
                .addValue(c.getUserId())
                .addValue(event.getRequestedModel())
                .addValue(event.getServedModel())
                .addValue(event.getProvider())
                .addValue(u.getPromptTokens())
                .addValue(u.getCompletionTokens())
                .addValue(u.getCachedPromptTokens())
                .addValue(u.getReasoningTokens())
                .addValue(u.getCacheWriteTokens())
                .addValue(u.getEstimated())
                .addValue(Money.usdDecimal(event.getCostNanosUsd()))
                .addValue(outcome(event))
                .addValue(event.getStream())
                .addValue(event.getLatencyMs())
                .addValue(tags)
                .addValue(row.team())
                .addValue(event.getRoute())
                .addValue(event.getTier())
                .addValue(row.listCostNanos() == null ? null : Money.usdDecimal(row.listCostNanos()))
                .addValue(row.unpriced())
                .addValue(Money.usdDecimal(row.baselineCostNanos()))
                .addValue(Money.usdDecimal(row.cacheSavingsNanos()));
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
