package dev.llmops.cost.repository;

import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.service.PriceCodec;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Admin-set prices in PostgreSQL (table price_version): durable, shared by every replica. */
@ApplicationScoped
public class PriceRepository {
    private final Pool pool;

    public PriceRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<List<PriceVersion>> all() {
        return pool.query("SELECT tenant_id, model, effective_from, price::text, source FROM price_version").execute()
                .map(rows -> {
                    List<PriceVersion> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(PriceCodec.fromJson(r.getString(1), r.getString(0),
                                r.getOffsetDateTime(2).toInstant(), new JsonObject(r.getString(3)), r.getString(4)));
                    }
                    return out;
                });
    }

    /** Adds a version, or replaces the one with the same tenant, model and effective time. */
    public Uni<Void> upsert(PriceVersion v, JsonObject price) {
        return pool.preparedQuery("""
                INSERT INTO price_version (tenant_id, model, effective_from, price, source)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (tenant_id, model, effective_from) DO UPDATE SET price = EXCLUDED.price,
                    source = EXCLUDED.source, created_at = now()""")
                .execute(Tuple.of(v.tenantId(), v.model(), OffsetDateTime.ofInstant(v.effectiveFrom(), ZoneOffset.UTC),
                        price, v.source()))
                .replaceWithVoid();
    }
}
