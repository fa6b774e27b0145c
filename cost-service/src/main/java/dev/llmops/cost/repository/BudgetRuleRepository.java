package dev.llmops.cost.repository;

import dev.llmops.cost.Budget;
import dev.llmops.cost.service.BudgetPolicy.Rule;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Admin-set budget rules in PostgreSQL (table budget_rule): durable, shared by every replica. */
@ApplicationScoped
public class BudgetRuleRepository {
    private final Pool pool;

    public BudgetRuleRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Map<String, Rule>> all() {
        return pool.query("SELECT budget_id, limit_nanos, period, hard FROM budget_rule").execute().map(rows -> {
            Map<String, Rule> out = new HashMap<>();
            for (Row r : rows) {
                Long limit = r.getLong(1);
                out.put(r.getString(0), new Rule(Budget.Period.parse("budget_rule.period", r.getString(2)),
                        limit == null ? Budget.UNLIMITED : limit, r.getBoolean(3), Rule.ADMIN));
            }
            return out;
        });
    }

    public Uni<Void> upsert(String budgetId, Rule rule) {
        return pool.preparedQuery("""
                INSERT INTO budget_rule (budget_id, limit_nanos, period, hard) VALUES ($1, $2, $3, $4)
                ON CONFLICT (budget_id) DO UPDATE SET limit_nanos = EXCLUDED.limit_nanos, period = EXCLUDED.period,
                    hard = EXCLUDED.hard, updated_at = now()""")
                .execute(Tuple.of(budgetId, rule.limitNanos() == Budget.UNLIMITED ? null : rule.limitNanos(),
                        rule.period().name().toLowerCase(Locale.ROOT), rule.hard()))
                .replaceWithVoid();
    }

    /** @return true when a rule was removed */
    public Uni<Boolean> delete(String budgetId) {
        return pool.preparedQuery("DELETE FROM budget_rule WHERE budget_id = $1").execute(Tuple.of(budgetId))
                .map(rs -> rs.rowCount() > 0);
    }
}
