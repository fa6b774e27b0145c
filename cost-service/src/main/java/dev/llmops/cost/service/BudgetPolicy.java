package dev.llmops.cost.service;

import dev.llmops.cost.config.CostConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The spending limit of each API key, from config, in nano-USD; {@link #UNLIMITED} means no limit. */
@Startup
@ApplicationScoped
public class BudgetPolicy {
    public static final long UNLIMITED = -1;

    private final long defaultLimit;
    private final Map<String, Long> overrides = new HashMap<>();

    public BudgetPolicy(CostConfig config) {
        defaultLimit = parse("llmops.cost.budgets.default-key-limit-usd", config.budgets().defaultKeyLimitUsd(), false);
        config.budgets().keys().forEach((key, value) -> {
            long limit = parse("llmops.cost.budgets.keys.\"" + key + "\"", value, true);
            overrides.put(key, limit == Long.MIN_VALUE ? defaultLimit : limit);
        });
    }

    /** @return nanos, {@link #UNLIMITED}, or Long.MIN_VALUE for "use the default" (only where allowed) */
    private static long parse(String name, String raw, boolean allowDefault) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        if (v.equals("unlimited")) {
            return UNLIMITED;
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

    public long limitNanos(String keyId) {
        return overrides.getOrDefault(keyId, defaultLimit);
    }
}
