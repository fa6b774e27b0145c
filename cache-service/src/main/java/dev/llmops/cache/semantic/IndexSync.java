package dev.llmops.cache.semantic;

import dev.llmops.cache.config.SemanticConfig;
import dev.llmops.cache.repository.SemanticCacheRepository;
import dev.llmops.cache.repository.SemanticCacheRepository.Change;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps this replica's vector index equal to the entries in Redis.
 * <ul>
 * <li>On start, and every {@code reconcile-interval}: a full rebuild from Redis into a fresh index, swapped in
 * when done. The change-stream position is taken before reading, so changes made during the rebuild are
 * replayed after it (adds and removes are idempotent).</li>
 * <li>Every {@code sync-interval}: the changes other replicas (and this one) appended to the stream.</li>
 * <li>Every {@code restart-check-interval}: Redis' run_id. A restarted Redis is empty here (no persistence):
 * the index is reset to what Redis now holds (a rebuild), and the stream is read from its start.</li>
 * </ul>
 * Vectors come from Redis, so a rebuild never re-embeds anything.
 */
@ApplicationScoped
public class IndexSync {
    private static final int BATCH = 500;
    /** Batches of a rebuild in flight at once (each a pipeline of BATCH reads on its own pooled connection). */
    private static final int REBUILD_PARALLEL = 4;

    private final SemanticCacheRepository repository;
    private final SemanticConfig config;
    private final SemanticMetrics metrics;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile VectorIndex index;
    private volatile String lastId = "0-0";
    private volatile String runId;
    private volatile boolean ready;
    private long lastRestartCheck;
    private long lastRebuild;
    private final List<Long> timers = new ArrayList<>();
    private Vertx vertx;

    public IndexSync(SemanticCacheRepository repository, SemanticConfig config, SemanticMetrics metrics) {
        this.repository = repository;
        this.config = config;
        this.metrics = metrics;
        this.index = newIndex(config.index(), config.scanRescore());
        metrics.indexGauges(() -> index);
    }

    public static VectorIndex newIndex(String kind, int scanRescore) {
        return switch (kind) {
            case "scan" -> new Int8ScanIndex(scanRescore);
            case "hnsw" -> new LuceneHnswIndex();
            default -> throw new IllegalStateException(
                    "llmops.cache.semantic.index must be 'scan' or 'hnsw', got '" + kind + "'");
        };
    }

    void start(@Observes StartupEvent ev, Vertx vertx) {
        startFollowing(vertx);
    }

    /** Builds the index, then follows Redis on a timer (tests start extra replicas with it). */
    public void startFollowing(Vertx vertx) {
        this.vertx = vertx;
        // First build, then follow. A failure (Redis down at start) is retried by the periodic checks.
        tick(true);
        timers.add(vertx.setPeriodic(Math.max(20, config.syncInterval().toMillis()), id -> tick(false)));
    }

    void stop(@Observes ShutdownEvent ev) {
        stopFollowing();
    }

    public void stopFollowing() {
        if (vertx != null) {
            timers.forEach(vertx::cancelTimer);
            timers.clear();
        }
    }

    public VectorIndex index() {
        return index;
    }

    /** True once the first rebuild finished. */
    public boolean ready() {
        return ready;
    }

    /** One step: rebuild when due (or Redis restarted), else read new changes. Never two at once. */
    void tick(boolean force) {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        long now = System.currentTimeMillis();
        Uni<Void> step;
        if (force || !ready || now - lastRebuild >= config.reconcileInterval().toMillis()) {
            step = rebuild();
        } else if (now - lastRestartCheck >= config.restartCheckInterval().toMillis()) {
            lastRestartCheck = now;
            step = repository.runId().flatMap(id -> {
                if (runId != null && !runId.equals(id)) {
                    Log.warnf("Redis restarted (run_id %s -> %s): rebuilding the semantic index", runId, id);
                    return rebuild();
                }
                return follow();
            });
        } else {
            step = follow();
        }
        step.subscribe().with(ok -> busy.set(false), failure -> {
            busy.set(false);
            Log.debugf("semantic index sync step failed (retried): %s", failure.toString());
        });
    }

    /** Rebuilds from Redis; usable by tests to force one. */
    public Uni<Void> rebuild() {
        long started = System.nanoTime();
        return repository.runId().flatMap(id -> repository.lastChangeId().flatMap(from -> {
            VectorIndex fresh = newIndex(config.index(), config.scanRescore());
            return load(repository, fresh).invoke(() -> {
                if (fresh instanceof LuceneHnswIndex l) {
                    l.refresh();
                }
                index = fresh;
                lastId = from;
                runId = id;
                ready = true;
                lastRebuild = System.currentTimeMillis();
                lastRestartCheck = lastRebuild;
                metrics.rebuilds.increment();
                Log.infof("semantic index rebuilt from Redis: %d entries (%s) in %d ms", fresh.size(),
                        fresh.kind(), (System.nanoTime() - started) / 1_000_000);
            });
        })).flatMap(v -> follow());
    }

    /**
     * Loads every semantic entry in Redis into the index: per tenant, its hashes in one read, then their vectors
     * in pipelined batches of {@value #BATCH} reads, {@value #REBUILD_PARALLEL} batches in flight.
     */
    public static Uni<Void> load(SemanticCacheRepository repository, VectorIndex into) {
        return repository.tenants().onItem().transformToMulti(tenants -> Multi.createFrom().iterable(tenants))
                .onItem().transformToUniAndConcatenate(tenant -> repository.allHashes(tenant)
                        .flatMap(hashes -> loadTenant(repository, into, tenant, hashes)))
                .collect().last().replaceWithVoid();
    }

    private static Uni<Void> loadTenant(SemanticCacheRepository repository, VectorIndex into, String tenant,
            List<String> hashes) {
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < hashes.size(); from += BATCH) {
            batches.add(hashes.subList(from, Math.min(hashes.size(), from + BATCH)));
        }
        return Multi.createFrom().iterable(batches)
                .onItem().transformToUni(part -> repository.vectors(tenant, part)).merge(REBUILD_PARALLEL)
                .invoke(vs -> {
                    for (SemanticCacheRepository.Vector v : vs) {
                        if (v != null) {
                            into.add(v.tenant(), v.hash(), v.scope(), v.vector(), v.expiresAtMs());
                        }
                    }
                }).collect().last().replaceWithVoid();
    }

    /** Applies every change after lastId, in order; loops while full pages come back. */
    public Uni<Void> follow() {
        return repository.changesAfter(lastId, BATCH).flatMap(changes -> {
            if (changes.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return apply(changes, 0).invoke(() -> lastId = changes.get(changes.size() - 1).id())
                    .flatMap(v -> changes.size() == BATCH ? follow() : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> apply(List<Change> changes, int i) {
        // Runs of adds of one tenant are fetched together; deletes apply at once.
        int j = i;
        VectorIndex target = index;
        while (j < changes.size()) {
            Change c = changes.get(j);
            if (c.tenant() == null || c.op() == null) {
                j++;
                continue;
            }
            if ("d".equals(c.op())) {
                target.remove(c.tenant(), c.hash());
                j++;
            } else if ("t".equals(c.op())) {
                target.removeTenant(c.tenant());
                j++;
            } else {
                break;
            }
        }
        if (j == changes.size()) {
            return Uni.createFrom().voidItem();
        }
        String tenant = changes.get(j).tenant();
        List<String> hashes = new ArrayList<>();
        int k = j;
        while (k < changes.size() && "a".equals(changes.get(k).op()) && tenant.equals(changes.get(k).tenant())) {
            hashes.add(changes.get(k).hash());
            k++;
        }
        int next = k;
        return repository.vectors(tenant, hashes).invoke(vs -> {
            for (int n = 0; n < vs.size(); n++) {
                SemanticCacheRepository.Vector v = vs.get(n);
                if (v != null) {
                    target.add(v.tenant(), v.hash(), v.scope(), v.vector(), v.expiresAtMs());
                } else {
                    target.remove(tenant, hashes.get(n)); // deleted or expired since
                }
            }
        }).flatMap(v -> apply(changes, next));
    }
}
