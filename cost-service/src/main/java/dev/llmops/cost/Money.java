package dev.llmops.cost;

import java.math.BigDecimal;

/** Money is an integer count of nano-USD; these helpers only format and convert it, never through a double. */
public final class Money {
    public static final int NANO_SCALE = 9;

    private Money() {
    }

    /** 1234 nanos becomes {@code "0.000001234"}. */
    public static String usd(long nanos) {
        return BigDecimal.valueOf(nanos, NANO_SCALE).toPlainString();
    }

    /** The exact NUMERIC(30,9) value of a nano amount. */
    public static BigDecimal usdDecimal(long nanos) {
        return BigDecimal.valueOf(nanos, NANO_SCALE);
    }

    /** A NUMERIC USD amount with at most 9 decimals back to nanos; throws if it does not fit a long. */
    public static long nanos(BigDecimal usd) {
        return usd.movePointRight(NANO_SCALE).longValueExact();
    }
}
