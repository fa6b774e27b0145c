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
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import llmops.events.v1.Outcome;
import llmops.events.v1.UsageEvent;

/** The usage ledger in PostgreSQL: batch writes over the reactive pool, totals through a Panache session. */
@ApplicationScoped
public class LedgerRepository implements PanacheRepositoryBase<UsageLedgerEntry, String> {
    /** "No end" for [start, end): later than any event can be. */
    private static final OffsetDateTime OPEN_END = OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC);

    /**
     * One statement per batch: the rows travel as one array per column and {@code unnest} turns them back into
     * rows, so a batch is a single round trip (no BEGIN/COMMIT: one statement is atomic on its own). Money travels
     * as integer nanos and becomes NUMERIC USD in the database (exact: a multiplication by 1e-9).
     */
    private static final String INSERT = """
            INSERT INTO usage_ledger (request_id, occurred_at, tenant_id, key_id, user_id, requested_model,
                served_model, provider, prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens,
                cache_write_tokens, usage_estimated, cost_usd, outcome, stream, latency_ms, tags, team, route, tier,
                list_cost_usd, unpriced, baseline_cost_usd, cache_savings_usd)
            SELECT r.request_id, r.occurred_at, r.tenant_id, r.key_id, r.user_id, r.requested_model, r.served_model,
                r.provider, r.prompt_tokens, r.completion_tokens, r.cached_prompt_tokens, r.reasoning_tokens,
                r.cache_write_tokens, r.usage_estimated, r.cost_nanos * 0.000000001, r.outcome, r.stream,
                r.latency_ms, r.tags::jsonb, r.team, r.route, r.tier, r.list_cost_nanos * 0.000000001, r.unpriced,
                r.baseline_cost_nanos * 0.000000001, r.cache_savings_nanos * 0.000000001
            FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::text[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::bool[],
                $15::int8[], $16::text[], $17::bool[], $18::int8[], $19::text[], $20::text[], $21::text[],
                $22::text[], $23::int8[], $24::bool[], $25::int8[], $26::int8[])
                AS r(request_id, occurred_at, tenant_id, key_id, user_id, requested_model, served_model, provider,
                    prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens, cache_write_tokens,
                    usage_estimated, cost_nanos, outcome, stream, latency_ms, tags, team, route, tier,
                    list_cost_nanos, unpriced, baseline_cost_nanos, cache_savings_nanos)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id""";

    private final Pool pool;

    public LedgerRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Writes a batch with one multi-row {@code INSERT ... ON CONFLICT (request_id) DO NOTHING}. Rows are sorted
     * by request id so two concurrent batches cannot deadlock on each other's keys; a request id repeated inside
     * the batch is written once (its first occurrence).
     *
     * @return per row, in the order given: true when it is new, false when the request id was already there
     */
    public Uni<boolean[]> insertBatch(List<LedgerRow> rows) {
        Map<String, Integer> firstIndex = new HashMap<>(rows.size() * 2);
        for (int i = 0; i < rows.size(); i++) {
            firstIndex.putIfAbsent(rows.get(i).event().getRequestId(), i);
        }
        List<String> ids = new ArrayList<>(firstIndex.keySet());
        ids.sort(null);
        int n = ids.size();
        String[] requestId = new String[n];
        OffsetDateTime[] occurred = new OffsetDateTime[n];
        String[] tenant = new String[n];
        String[] key = new String[n];
        String[] user = new String[n];
        String[] requested = new String[n];
        String[] served = new String[n];
        String[] provider = new String[n];
        Long[] prompt = new Long[n];
        Long[] completion = new Long[n];
        Long[] cached = new Long[n];
        Long[] reasoning = new Long[n];
        Long[] cacheWrite = new Long[n];
        Boolean[] estimated = new Boolean[n];
        Long[] cost = new Long[n];
        String[] outcome = new String[n];
        Boolean[] stream = new Boolean[n];
        Long[] latency = new Long[n];
        String[] tags = new String[n];
        String[] team = new String[n];
        String[] route = new String[n];
        String[] tier = new String[n];
        Long[] listCost = new Long[n];
        Boolean[] unpriced = new Boolean[n];
        Long[] baseline = new Long[n];
        Long[] savings = new Long[n];
        for (int j = 0; j < n; j++) {
            LedgerRow row = rows.get(firstIndex.get(ids.get(j)));
            UsageEvent e = row.event();
            var u = e.getUsage();
            var c = e.getCaller();
            requestId[j] = e.getRequestId();
            occurred[j] = OffsetDateTime.ofInstant(row.occurredAt(), ZoneOffset.UTC);
            tenant[j] = c.getTenantId();
            key[j] = c.getKeyId();
            user[j] = c.getUserId();
            requested[j] = e.getRequestedModel();
            served[j] = e.getServedModel();
            provider[j] = e.getProvider();
            prompt[j] = u.getPromptTokens();
            completion[j] = u.getCompletionTokens();
            cached[j] = u.getCachedPromptTokens();
            reasoning[j] = u.getReasoningTokens();
            cacheWrite[j] = u.getCacheWriteTokens();
            estimated[j] = u.getEstimated();
            cost[j] = e.getCostNanosUsd();
            outcome[j] = outcome(e);
            stream[j] = e.getStream();
            latency[j] = e.getLatencyMs();
            tags[j] = tagsJson(c.getTagsMap());
            team[j] = row.team();
            route[j] = e.getRoute();
            tier[j] = e.getTier();
            listCost[j] = row.listCostNanos();
            unpriced[j] = row.unpriced();
            baseline[j] = row.baselineCostNanos();
            savings[j] = row.cacheSavingsNanos();
        }
        Tuple params = Tuple.tuple().addValue(requestId).addValue(occurred).addValue(tenant).addValue(key)
                .addValue(user).addValue(requested).addValue(served).addValue(provider).addValue(prompt)
                .addValue(completion).addValue(cached).addValue(reasoning).addValue(cacheWrite).addValue(estimated)
                .addValue(cost).addValue(outcome).addValue(stream).addValue(latency).addValue(tags).addValue(team)
                .addValue(route).addValue(tier).addValue(listCost).addValue(unpriced).addValue(baseline)
                .addValue(savings);
        return pool.preparedQuery(INSERT).execute(params).map(rs -> {
            Set<String> inserted = new HashSet<>(rs.size() * 2);
            for (Row r : rs) {
                inserted.add(r.getString(0));
            }
            boolean[] out = new boolean[rows.size()];
            for (int i = 0; i < out.length; i++) {
                String id = rows.get(i).event().getRequestId();
                out[i] = firstIndex.get(id) == i && inserted.contains(id);
            }
            return out;
        });
    }

    private static String tagsJson(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return "{}";
        }
        JsonObject json = new JsonObject();
        tags.forEach(json::put);
        return json.encode();
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
