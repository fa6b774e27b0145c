package dev.llmops.cache;

/**
 * The canonical identity of a cacheable request: its tenant (entries never cross tenants) and the hex SHA-256
 * of the canonical encoding of the query (see {@link dev.llmops.cache.service.CacheKeyFactory}).
 */
public record CacheKey(String tenantId, String hash) {
}
