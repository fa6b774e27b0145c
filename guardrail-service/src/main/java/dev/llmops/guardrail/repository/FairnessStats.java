package dev.llmops.guardrail.repository;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import llmops.guardrail.v1.CohortStats;
import llmops.guardrail.v1.GetFairnessReportResponse;

/**
 * Block and flag counts per cohort: for every check whose caller carries tags, one HINCRBY per tag on
 * {@code fairness:{tenant}:<tag key>} (fields {@code <value>|checks}, {@code |blocked}, {@code |flagged}). Tag values
 * are what the app sent (e.g. locale=de); they are cohort labels, not personal data, but apps must not put user
 * ids in them. Counts are cumulative since the keys were created.
 */
@Singleton
public class FairnessStats {
    /** Longer tag values are cut: a cohort label, not free text. */
    private static final int MAX_TAG_VALUE_LENGTH = 64;

    private final ReactiveRedisDataSource redis;
    private final RedisKeys keys;

    public FairnessStats(ReactiveRedisDataSource redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    public Uni<Void> record(String tenant, Map<String, String> tags, boolean blocked, boolean flagged) {
        if (tags.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        var hash = redis.hash(String.class, String.class, Long.class);
        List<Uni<Long>> ops = new ArrayList<>();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String value = tag.getValue().length() > MAX_TAG_VALUE_LENGTH
                    ? tag.getValue().substring(0, MAX_TAG_VALUE_LENGTH) : tag.getValue();
            String key = keys.fairness(tenant, tag.getKey());
            ops.add(hash.hincrby(key, value + "|checks", 1));
            if (blocked) {
                ops.add(hash.hincrby(key, value + "|blocked", 1));
            }
            if (flagged) {
                ops.add(hash.hincrby(key, value + "|flagged", 1));
            }
        }
        return Uni.join().all(ops).andCollectFailures().replaceWithVoid();
    }

    public Uni<GetFairnessReportResponse> report(String tenant, String tagKey) {
        return redis.hash(String.class, String.class, Long.class).hgetall(keys.fairness(tenant, tagKey))
                .map(fields -> {
                    Map<String, long[]> byValue = new TreeMap<>();
                    fields.forEach((field, count) -> {
                        int bar = field.lastIndexOf('|');
                        long[] c = byValue.computeIfAbsent(field.substring(0, bar), k -> new long[3]);
                        switch (field.substring(bar + 1)) {
                            case "checks" -> c[0] = count;
                            case "blocked" -> c[1] = count;
                            case "flagged" -> c[2] = count;
                            default -> { }
                        }
                    });
                    GetFairnessReportResponse.Builder b = GetFairnessReportResponse.newBuilder();
                    double min = Double.MAX_VALUE;
                    double max = 0;
                    for (Map.Entry<String, long[]> e : byValue.entrySet()) {
                        long[] c = e.getValue();
                        double blockRate = c[0] == 0 ? 0 : (double) c[1] / c[0];
                        double flagRate = c[0] == 0 ? 0 : (double) c[2] / c[0];
                        min = Math.min(min, blockRate);
                        max = Math.max(max, blockRate);
                        b.addCohorts(CohortStats.newBuilder().setTagValue(e.getKey()).setChecks(c[0])
                                .setBlocked(c[1]).setFlagged(c[2]).setBlockRate(blockRate).setFlagRate(flagRate));
                    }
                    b.setBlockRateRatio(byValue.size() < 2 || min == 0 ? 0 : max / min);
                    return b.build();
                });
    }
}
