package dev.llmops.cost;

/** GetUsage's filter: tenant required, key and model optional (empty = all), [start, end) in ms (0 = open). */
public record UsageQuery(String tenantId, String keyId, String model, long startUnixMs, long endUnixMs) {
}
