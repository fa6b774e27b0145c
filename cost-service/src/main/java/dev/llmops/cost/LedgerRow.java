package dev.llmops.cost;

import java.time.Instant;
import llmops.events.v1.UsageEvent;

/** A usage event plus what the cost-service derives from it at ingest (prices in force at {@code occurredAt}). */
public record LedgerRow(UsageEvent event, Instant occurredAt, String team, Long listCostNanos, boolean unpriced,
        long baselineCostNanos, long cacheSavingsNanos) {
}
