package dev.llmops.cost.repository;

import dev.llmops.cost.Money;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import llmops.cost.v1.ReportDimension;
import llmops.cost.v1.ReportRow;

/** KPI reports (one aggregate query over the ledger joined with feedback) and feedback writes. */
@ApplicationScoped
public class ReportRepository {
    /** The SQL expression of each dimension; fixed strings, never user input. */
    private static final Map<ReportDimension, String> GROUP = Map.of(
            ReportDimension.REPORT_DIMENSION_TENANT, "l.tenant_id",
            ReportDimension.REPORT_DIMENSION_TEAM, "l.team",
            ReportDimension.REPORT_DIMENSION_KEY, "l.key_id",
            ReportDimension.REPORT_DIMENSION_MODEL, "coalesce(nullif(l.served_model, ''), l.requested_model)",
            ReportDimension.REPORT_DIMENSION_ROUTE, "coalesce(nullif(l.route, ''), l.requested_model)",
            ReportDimension.REPORT_DIMENSION_DAY, "to_char(l.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')");

    private final Pool pool;

    public ReportRepository(Pool pool) {
        this.pool = pool;
    }

    public static boolean supports(ReportDimension d) {
        return GROUP.containsKey(d);
    }

    /** Rows ordered by the group value; tenant empty = every tenant. */
    public Uni<List<ReportRow>> report(String tenant, ReportDimension by, OffsetDateTime start, OffsetDateTime end) {
        String g = GROUP.get(by);
        String sql = "SELECT " + g + " AS g, count(*), coalesce(sum(l.prompt_tokens), 0),"
                + " coalesce(sum(l.completion_tokens), 0), coalesce(sum(l.cost_usd), 0)::text,"
                + " coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY l.latency_ms), 0),"
                + " coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY l.latency_ms), 0),"
                + " coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY l.latency_ms), 0),"
                + " count(*) FILTER (WHERE l.outcome = 'CACHE_HIT'), coalesce(sum(l.cache_savings_usd), 0)::text,"
                + " coalesce(sum(l.baseline_cost_usd - l.cost_usd)"
                + " FILTER (WHERE l.baseline_cost_usd > 0 AND NOT l.unpriced), 0)::text,"
                + " count(*) FILTER (WHERE l.outcome = 'BLOCKED'),"
                + " count(f.request_id) FILTER (WHERE f.thumbs_up), count(f.request_id) FILTER (WHERE NOT f.thumbs_up),"
                + " count(*) FILTER (WHERE l.unpriced), count(*) FILTER (WHERE l.usage_estimated)"
                + " FROM usage_ledger l LEFT JOIN feedback f ON f.request_id = l.request_id"
                + " WHERE ($1 = '' OR l.tenant_id = $1) AND l.occurred_at >= $2 AND l.occurred_at < $3"
                + " GROUP BY 1 ORDER BY 1";
        return pool.preparedQuery(sql).execute(Tuple.of(tenant, start, end)).map(rows -> {
            List<ReportRow> out = new ArrayList<>();
            for (Row r : rows) {
                long requests = r.getLong(1);
                long cost = Money.nanos(new BigDecimal(r.getString(4)));
                long up = r.getLong(12);
                long down = r.getLong(13);
                long blocked = r.getLong(11);
                out.add(ReportRow.newBuilder().setGroup(r.getString(0) == null ? "" : r.getString(0))
                        .setRequests(requests).setPromptTokens(r.getLong(2)).setCompletionTokens(r.getLong(3))
                        .setCostNanosUsd(cost)
                        .setCostPerQueryNanosUsd(requests == 0 ? 0 : (cost + requests / 2) / requests)
                        .setLatencyP50Ms(r.getLong(5)).setLatencyP95Ms(r.getLong(6)).setLatencyP99Ms(r.getLong(7))
                        .setCacheHits(r.getLong(8)).setCacheSavingsNanosUsd(Money.nanos(new BigDecimal(r.getString(9))))
                        .setRoutingSavingsNanosUsd(Money.nanos(new BigDecimal(r.getString(10))))
                        .setBlocked(blocked).setBlockRatePpm(requests == 0 ? 0 : blocked * 1_000_000 / requests)
                        .setFeedbackUp(up).setFeedbackDown(down)
                        .setSatisfactionPpm(up + down == 0 ? -1 : up * 1_000_000 / (up + down))
                        .setUnpriced(r.getLong(14)).setEstimated(r.getLong(15)).build());
            }
            return out;
        });
    }

    public Uni<Void> feedback(String requestId, String tenant, boolean up, String comment) {
        return pool.preparedQuery("""
                INSERT INTO feedback (request_id, tenant_id, thumbs_up, comment) VALUES ($1, $2, $3, $4)
                ON CONFLICT (request_id) DO UPDATE SET thumbs_up = EXCLUDED.thumbs_up, comment = EXCLUDED.comment,
                    tenant_id = EXCLUDED.tenant_id, recorded_at = now()""")
                .execute(Tuple.of(requestId, tenant, up, comment)).replaceWithVoid();
    }

    /** Spend per (tenant, key, team, user): total, since {@code month}, since {@code day} (for budget rebuilds). */
    public Uni<List<Row>> spendForBudgets(OffsetDateTime month, OffsetDateTime day) {
        return pool.preparedQuery("""
                SELECT tenant_id, key_id, team, user_id, sum(cost_usd)::text,
                    coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= $1), 0)::text,
                    coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= $2), 0)::text
                FROM usage_ledger GROUP BY 1, 2, 3, 4""").execute(Tuple.of(month, day))
                .map(rows -> {
                    List<Row> out = new ArrayList<>();
                    rows.forEach(out::add);
                    return out;
                });
    }
}
