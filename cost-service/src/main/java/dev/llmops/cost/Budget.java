package dev.llmops.cost;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One budget that applies to a request: its id ({@code tenant/acme}, {@code team/acme/search}, {@code key/k1},
 * {@code user/acme/u7}), its period, its limit in nano-USD ({@link #UNLIMITED} = none) and whether it blocks.
 */
public record Budget(String scope, String id, Period period, long limitNanos, boolean hard) {
    public static final long UNLIMITED = -1;

    /** Calendar periods in UTC; a new period is a new counter, so budgets reset on time by themselves. */
    public enum Period {
        TOTAL, DAILY, MONTHLY;

        private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
        private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");

        public static Period parse(String name, String raw) {
            return switch (raw.trim().toLowerCase(Locale.ROOT)) {
                case "total", "lifetime" -> TOTAL;
                case "daily", "day" -> DAILY;
                case "monthly", "month" -> MONTHLY;
                default -> throw new IllegalStateException(name + " must be total, daily or monthly; got " + raw);
            };
        }

        /** The counter's name for the period holding {@code at}: total, d2026-11-28, m2026-11. */
        public String tag(Instant at) {
            LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC);
            return switch (this) {
                case TOTAL -> "total";
                case DAILY -> "d" + DAY.format(d);
                case MONTHLY -> "m" + MONTH.format(d);
            };
        }

        /** When the period holding {@code at} ends (null for TOTAL). */
        public Instant resetsAt(Instant at) {
            LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC);
            return switch (this) {
                case TOTAL -> null;
                case DAILY -> d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                case MONTHLY -> d.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            };
        }

        /** When the period holding {@code at} began (EPOCH for TOTAL). */
        public Instant startsAt(Instant at) {
            LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC);
            return switch (this) {
                case TOTAL -> Instant.EPOCH;
                case DAILY -> d.atStartOfDay(ZoneOffset.UTC).toInstant();
                case MONTHLY -> d.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            };
        }

        /** How long a counter is kept after its period began (seconds; 0 = for ever). */
        public long keepSeconds() {
            return switch (this) {
                case TOTAL -> 0;
                case DAILY -> 3L * 24 * 3600;
                case MONTHLY -> 63L * 24 * 3600;
            };
        }
    }
}
