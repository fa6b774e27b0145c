package dev.llmops.cost.service;

import dev.llmops.cost.Budget;
import dev.llmops.cost.Budget.Period;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.repository.BudgetRuleRepository;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which budgets apply to a request, from config: tenant > team > key > end user. The team is the caller's
 * {@code tags["team"]}. A key always has a budget (its rule, its override, or the default); the others only when
 * a rule names them (or the tenant's {@code team/<tenant>/*} / {@code user/<tenant>/*} wildcard). Rules come from
 * config and from the SetBudget admin RPC (PostgreSQL, re-read every {@code llmops.cost.price-refresh}); an admin
 * rule overrides the config rule with the same id.
 */
@Startup
@ApplicationScoped
public class BudgetPolicy {
    public static final String TEAM_TAG = "team";

    /** A budget rule: from config or set through the admin RPC (which overrides config for the same id). */
    public record Rule(Period period, long limitNanos, boolean hard, String source) {
        public static final String CONFIG = "config";
        public static final String ADMIN = "admin";
    }

    private final long defaultKeyLimit;
    private final Map<String, Long> keyOverrides = new HashMap<>();
    private final Map<String, Rule> configRules = new HashMap<>();
    private final BudgetRuleRepository repository;
    private final PeriodicRefresh refresher;
    /** Config rules with the admin ones over them; swapped whole on every refresh. */
    private volatile Map<String, Rule> rules;

    public BudgetPolicy(CostConfig config, BudgetRuleRepository repository, Vertx vertx) {
        this.repository = repository;
        this.refresher = new PeriodicRefresh(vertx);
        defaultKeyLimit = parse("llmops.cost.budgets.default-key-limit-usd", config.budgets().defaultKeyLimitUsd(),
                false);
        config.budgets().keys().forEach((key, value) -> {
            long limit = parse("llmops.cost.budgets.keys.\"" + key + "\"", value, true);
            keyOverrides.put(key, limit == Long.MIN_VALUE ? defaultKeyLimit : limit);
        });
        config.budgets().rules().forEach((id, r) -> {
            String name = "llmops.cost.budgets.rules.\"" + id + "\"";
            String problem = idProblem(id);
            if (problem != null) {
                throw new IllegalStateException(name + ": " + problem);
            }
            configRules.put(id, new Rule(Period.parse(name + ".period", r.period()),
                    parse(name + ".limit-usd", r.limitUsd(), false), r.hard(), Rule.CONFIG));
        });
        rules = Map.copyOf(configRules);
        refresher.start(config.priceRefresh(), this::refresh);
    }

    void stop(@Observes ShutdownEvent ev) {
        refresher.stop();
    }

    /** Re-reads the admin rules from PostgreSQL; on failure keeps what it had (and says so). */
    public Uni<Void> refresh() {
        return repository.all().invoke(this::install)
                .onFailure().invoke(e -> Log.warnf("admin budget rules not refreshed (PostgreSQL): %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private void install(Map<String, Rule> admin) {
        Map<String, Rule> next = new HashMap<>(configRules);
        next.putAll(admin);
        rules = next;
    }

    /** Stores an admin rule; visible on this replica at once, on the others within llmops.cost.price-refresh. */
    public Uni<Rule> set(String budgetId, String limitUsd, Period period, boolean hard) {
        return Uni.createFrom().deferred(() -> {
            String problem = idProblem(budgetId);
            if (problem != null) {
                throw RequestValidation.invalid("budget_id " + problem);
            }
            long limit;
            try {
                limit = parse("limit_usd", limitUsd == null ? "" : limitUsd, false);
            } catch (IllegalStateException e) {
                throw RequestValidation.invalid(e.getMessage());
            }
            Rule rule = new Rule(period, limit, hard, Rule.ADMIN);
            return repository.upsert(budgetId, rule).chain(() -> repository.all().invoke(this::install))
                    .replaceWith(rule);
        });
    }

    /** @return true when an admin rule was removed (a config rule with the id applies again) */
    public Uni<Boolean> delete(String budgetId) {
        return repository.delete(budgetId).call(() -> repository.all().invoke(this::install));
    }

    /** Every rule in force by budget id (config and admin), sorted. */
    public SortedMap<String, Rule> rules() {
        return new TreeMap<>(rules);
    }

    /** The budget in force for an id (a key without a rule: its override or the default); null when none. */
    public Budget budget(String budgetId) {
        String scope = budgetId.substring(0, Math.max(0, budgetId.indexOf('/')));
        Rule r = rules.get(budgetId);
        if (r == null && scope.equals("key")) {
            String key = budgetId.substring(4);
            return new Budget("key", budgetId, Period.TOTAL, keyOverrides.getOrDefault(key, defaultKeyLimit), true);
        }
        return r == null ? null : new Budget(scope, budgetId, r.period(), r.limitNanos(), r.hard());
    }

    /** What is wrong with a budget id, or null when it is well formed. */
    static String idProblem(String id) {
        if (id == null || id.isEmpty() || id.length() > 512 || id.chars().anyMatch(ch -> ch <= ' ')) {
            return "must be tenant/<tenant>, team/<tenant>/<team>, key/<key> or user/<tenant>/<user> (no spaces)";
        }
        String[] p = id.split("/", -1);
        boolean ok = switch (p[0]) {
            case "tenant" -> p.length == 2 && !p[1].isEmpty() && !p[1].equals("*");
            case "team", "user" -> p.length == 3 && !p[1].isEmpty() && !p[1].equals("*") && !p[2].isEmpty();
            case "key" -> p.length >= 2 && id.length() > 4;
            default -> false;
        };
        return ok ? null : "must be tenant/<tenant>, team/<tenant>/<team|*>, key/<key> or user/<tenant>/<user|*>;"
                + " got " + id;
    }

    /** @return nanos, {@link Budget#UNLIMITED}, or Long.MIN_VALUE for "use the default" (only where allowed) */
    private static long parse(String name, String raw, boolean allowDefault) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        if (v.equals("unlimited")) {
            return Budget.UNLIMITED;
        }
        if (allowDefault && (v.equals("-1") || v.equals("default") || v.isEmpty())) {
            return Long.MIN_VALUE;
        }
        try {
            BigDecimal usd = new BigDecimal(v);
            if (usd.signum() < 0) {
                throw new IllegalStateException(name + " must be a non-negative USD amount, 'unlimited'"
                        + (allowDefault ? " or -1 (the default)" : "") + "; got " + raw);
            }
            return usd.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalStateException(name + " must be a USD amount like 25.50 or 'unlimited'; got " + raw, e);
        }
    }

    /** Every budget that applies, broadest first. */
    public List<Budget> budgetsFor(String tenant, String team, String key, String user) {
        List<Budget> out = new ArrayList<>(4);
        Map<String, Rule> rules = this.rules;
        add(rules, out, "tenant", "tenant/" + tenant, null);
        if (team != null && !team.isEmpty()) {
            add(rules, out, "team", "team/" + tenant + "/" + team, "team/" + tenant + "/*");
        }
        String keyId = "key/" + key;
        Rule keyRule = rules.get(keyId);
        if (keyRule != null) {
            out.add(new Budget("key", keyId, keyRule.period(), keyRule.limitNanos(), keyRule.hard()));
        } else {
            out.add(new Budget("key", keyId, Period.TOTAL, keyOverrides.getOrDefault(key, defaultKeyLimit), true));
        }
        if (user != null && !user.isEmpty()) {
            add(rules, out, "user", "user/" + tenant + "/" + user, "user/" + tenant + "/*");
        }
        return out;
    }

    private static void add(Map<String, Rule> rules, List<Budget> out, String scope, String id, String wildcard) {
        Rule r = rules.get(id);
        if (r == null && wildcard != null) {
            r = rules.get(wildcard);
        }
        if (r != null) {
            out.add(new Budget(scope, id, r.period(), r.limitNanos(), r.hard()));
        }
    }
}
