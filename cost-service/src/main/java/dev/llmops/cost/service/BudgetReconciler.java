package dev.llmops.cost.service;

import dev.llmops.cost.Budget;
import dev.llmops.cost.Money;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.repository.BudgetStore;
import dev.llmops.cost.repository.ReportRepository;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rebuilds the budget counters' {@code spent} from the ledger when Redis lost its data. Redis here keeps
 * nothing on disk, so a restart empties it: the server's run_id changes. Every replica checks the run_id
 * against the one recorded at the last rebuild ({@code <prefix>meta:run_id}); one of them (a short lock) rebuilds.
 * Reservations in flight at the restart are gone; they would have expired anyway.
 */
@ApplicationScoped
public class BudgetReconciler {
    private final ReactiveRedisDataSource redis;
    private final ReportRepository ledger;
    private final BudgetPolicy policy;
    private final BudgetStore store;
    private final Vertx vertx;
    private final CostConfig config;
    private final AtomicBoolean running = new AtomicBoolean();
    private long timer = -1;

    public BudgetReconciler(ReactiveRedisDataSource redis, ReportRepository ledger, BudgetPolicy policy,
            BudgetStore store, Vertx vertx, CostConfig config) {
        this.redis = redis;
        this.ledger = ledger;
        this.policy = policy;
        this.store = store;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent ev) {
        timer = vertx.setPeriodic(100, Math.max(1000, config.reconcileInterval().toMillis()),
                id -> check().subscribe().with(x -> { }, e -> Log.debugf("run_id check failed: %s", e.toString())));
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private String marker() {
        return store.prefix() + "meta:run_id";
    }

    /**
     * Rebuilds when Redis' run_id differs from the one recorded at the last rebuild.
     *
     * @return counters written, or -1 when nothing was rebuilt
     */
    public Uni<Integer> check() {
        if (!running.compareAndSet(false, true)) {
            return Uni.createFrom().item(-1);
        }
        return redis.execute("INFO", "server").chain(info -> {
            String runId = runId(info.toString());
            return redis.execute("GET", marker()).chain(seen -> {
                if (seen != null && seen.toString().equals(runId)) {
                    return Uni.createFrom().item(-1);
                }
                return redis.execute("SET", store.prefix() + "meta:rebuild-lock", runId, "NX", "PX", "60000")
                        .chain(locked -> {
                            if (locked == null) {
                                return Uni.createFrom().item(-1);
                            }
                            Log.infof("Redis run_id is %s (recorded: %s): rebuilding budget counters from the ledger",
                                    runId, seen);
                            return rebuild().call(n -> redis.execute("SET", marker(), runId))
                                    .call(n -> redis.execute("DEL", store.prefix() + "meta:rebuild-lock"));
                        });
            });
        }).eventually(() -> running.set(false));
    }

    /** Sets every applicable budget counter's spent of the current periods to the ledger's sum. */
    public Uni<Integer> rebuild() {
        Instant now = Instant.now();
        OffsetDateTime month = OffsetDateTime.ofInstant(Budget.Period.MONTHLY.startsAt(now), ZoneOffset.UTC);
        OffsetDateTime day = OffsetDateTime.ofInstant(Budget.Period.DAILY.startsAt(now), ZoneOffset.UTC);
        return ledger.spendForBudgets(month, day).chain(rows -> {
            Map<String, Long> spent = new HashMap<>();
            Map<String, Long> keep = new HashMap<>();
            for (Row r : rows) {
                String tenant = r.getString(0);
                long[] windows = {nanos(r.getString(4)), nanos(r.getString(5)), nanos(r.getString(6))};
                List<Budget> budgets = policy.budgetsFor(tenant, r.getString(2), r.getString(1), r.getString(3));
                for (Budget b : budgets) {
                    long v = switch (b.period()) {
                        case TOTAL -> windows[0];
                        case MONTHLY -> windows[1];
                        case DAILY -> windows[2];
                    };
                    String key = store.budgetKey(tenant, b, now);
                    spent.merge(key, v, Long::sum);
                    keep.put(key, b.period().keepSeconds());
                }
            }
            Log.infof("budget rebuild: %d counters from %d ledger groups", spent.size(), rows.size());
            Uni<Void> writes = store.setSpent(spent);
            for (Map.Entry<String, Long> k : keep.entrySet()) {
                writes = writes.call(() -> store.keep(k.getKey(), k.getValue()));
            }
            return writes.replaceWith(spent.size());
        });
    }

    private static long nanos(String usd) {
        return usd == null ? 0 : Money.nanos(new BigDecimal(usd));
    }

    static String runId(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).trim();
            }
        }
        throw new IllegalStateException("INFO server has no run_id");
    }
}
