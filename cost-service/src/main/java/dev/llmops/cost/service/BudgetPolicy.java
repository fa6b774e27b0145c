package dev.llmops.cost.service;

import dev.llmops.cost.Budget;
import dev.llmops.cost.Budget.Period;
import dev.llmops.cost.config.CostConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which budgets apply to a request, from config: tenant > team > key > end user. The team is the caller's
 * {@code tags["team"]}. A key always has a budget (its rule, its override, or the default); the others only when
 * a rule names them (or the tenant's {@code team/<tenant>/*} / {@code user/<tenant>/*} wildcard).
 */
@Startup
@ApplicationScoped
public class BudgetPolicy {
    public static final String TEAM_TAG = "team";

    private record Rule(Period period, long limitNanos, boolean hard) {
    }

    private final long defaultKeyLimit;
    private final Map<String, Long> keyOverrides = new HashMap<>();
    private final Map<String, Rule> rules = new HashMap<>();

    public BudgetPolicy(CostConfig config) {
        defaultKeyLimit = parse("llmops.cost.budgets.default-key-limit-usd", config.budgets().defaultKeyLimitUsd(),
                false);
        config.budgets().keys().forEach((key, value) -> {
            long limit = parse("llmops.cost.budgets.keys.\"" + key + "\"", value, true);
            keyOverrides.put(key, limit == Long.MIN_VALUE ? defaultKeyLimit : limit);
        });
        config.budgets().rules().forEach((id, r) -> {
            String name = "llmops.cost.budgets.rules.\"" + id + "\"";
            String scope = id.contains("/") ? id.substring(0, id.indexOf('/')) : "";
            if (!List.of("tenant", "team", "key", "user").contains(scope)) {
                throw new IllegalStateException(name + ": the id must start with tenant/, team/, key/ or user/");
            }
            rules.put(id, new Rule(Period.parse(name + ".period", r.period()),
                    parse(name + ".limit-usd", r.limitUsd(), false), r.hard()));
        });
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
        add(out, "tenant", "tenant/" + tenant, null);
        if (team != null && !team.isEmpty()) {
            add(out, "team", "team/" + tenant + "/" + team, "team/" + tenant + "/*");
        }
        String keyId = "key/" + key;
        Rule keyRule = rules.get(keyId);
        if (keyRule != null) {
            out.add(new Budget("key", keyId, keyRule.period(), keyRule.limitNanos(), keyRule.hard()));
        } else {
            out.add(new Budget("key", keyId, Period.TOTAL, keyOverrides.getOrDefault(key, defaultKeyLimit), true));
        }
        if (user != null && !user.isEmpty()) {
            add(out, "user", "user/" + tenant + "/" + user, "user/" + tenant + "/*");
        }
        return out;
    }

    private void add(List<Budget> out, String scope, String id, String wildcard) {
        Rule r = rules.get(id);
        if (r == null && wildcard != null) {
            r = rules.get(wildcard);
        }
        if (r != null) {
            out.add(new Budget(scope, id, r.period(), r.limitNanos(), r.hard()));
        }
    }
}
