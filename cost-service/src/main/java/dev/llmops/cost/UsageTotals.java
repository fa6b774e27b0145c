package dev.llmops.cost;

import java.util.List;

/** GetUsage's answer, shared by the gRPC and HTTP adapters. */
public record UsageTotals(String tenantId, List<Row> rows) {

    public record Row(String keyId, String model, long requests, long promptTokens, long completionTokens,
            long costNanos, long cacheHits) {
    }

    public long totalCostNanos() {
        return rows.stream().mapToLong(Row::costNanos).sum();
    }

    public long totalRequests() {
        return rows.stream().mapToLong(Row::requests).sum();
    }
}
