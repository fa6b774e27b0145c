package dev.llmops.cache;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import java.util.ArrayList;
import java.util.List;

/** The shared Redis keeps nothing of a test run: its key prefix is unique, so only the run's keys match. */
public final class RunKeys {
    private RunKeys() {
    }

    /** Deletes every key under the prefix (SCAN, then DEL in batches of 500). */
    public static void deleteAll(RedisDataSource redis, String prefix) {
        List<String> keys = new ArrayList<>();
        redis.key().scan(new KeyScanArgs().match(prefix + "*").count(1000)).toIterable().forEach(keys::add);
        for (int i = 0; i < keys.size(); i += 500) {
            redis.key().del(keys.subList(i, Math.min(keys.size(), i + 500)).toArray(String[]::new));
        }
    }
}
