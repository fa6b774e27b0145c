package dev.llmops.cost.service;

import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.PriceVersion.Rates;
import dev.llmops.cost.config.CostConfig;
import dev.llmops.cost.repository.PriceRepository;
import io.grpc.Status;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which price is in force ({@link Pricing} turns tokens into money at it). Three layers of prices, each a list of
 * versions with an effective instant: the shipped catalog ({@code prices/catalog.json}), config
 * ({@code llmops.cost.prices}) and admin-set ones (PostgreSQL, global or per tenant). A request is priced at the
 * version in force when it ran: the tenant's newest version not after that instant, else the newest global one.
 */
@Startup
@ApplicationScoped
public class PriceCatalog {
    private static final Comparator<PriceVersion> BY_TIME = Comparator.comparing(PriceVersion::effectiveFrom);

    /** Catalog and config versions (never change after start). */
    private final Map<String, List<PriceVersion>> shipped = new HashMap<>();
    private final PriceRepository repository;
    private final PeriodicRefresh refresher;
    /** Shipped plus admin versions by "tenant\nmodel" (tenant empty = global), each sorted by time; swapped whole. */
    private volatile Map<String, List<PriceVersion>> versions;

    public PriceCatalog(CostConfig config, PriceRepository repository, Vertx vertx) {
        this.repository = repository;
        this.refresher = new PeriodicRefresh(vertx);
        JsonObject catalog = new JsonObject(resource("prices/catalog.json")).getJsonObject("models");
        for (String model : catalog.fieldNames()) {
            for (Object entry : catalog.getJsonArray(model)) {
                add(shipped, PriceCodec.fromCatalog(model, (JsonObject) entry));
            }
        }
        config.prices().forEach((model, p) -> {
            BigDecimal input = PriceCodec.decimal("llmops.cost.prices." + model, "input-usd-per-mtok",
                    p.inputUsdPerMtok().toPlainString(), null);
            BigDecimal output = PriceCodec.decimal("llmops.cost.prices." + model, "output-usd-per-mtok",
                    p.outputUsdPerMtok().toPlainString(), null);
            Rates r = new Rates(input, p.cachedInputUsdPerMtok().orElse(input),
                    p.cacheWriteUsdPerMtok().orElse(input), output, p.reasoningUsdPerMtok().orElse(output));
            // config replaces the catalog for that model
            shipped.put(key("", model), new ArrayList<>(List.of(
                    new PriceVersion(model, "", Instant.EPOCH, r, 0, null, "config llmops.cost.prices"))));
        });
        versions = copy(shipped);
        refresher.start(config.priceRefresh(), this::refresh);
    }

    void stop(@Observes ShutdownEvent ev) {
        refresher.stop();
    }

    /** Re-reads admin versions from PostgreSQL; on failure keeps what it had (and says so). */
    public Uni<Void> refresh() {
        return repository.all().onItem().invoke(admin -> {
            Map<String, List<PriceVersion>> next = copy(shipped);
            admin.forEach(v -> add(next, v));
            versions = next;
        }).onFailure().invoke(e -> Log.warnf("admin prices not refreshed (PostgreSQL): %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Stores an admin version and makes it visible on this replica at once (others within the refresh interval). */
    public Uni<Void> set(llmops.cost.v1.PriceVersion proto) {
        return Uni.createFrom().deferred(() -> {
            PriceVersion v = PriceCodec.fromProto(proto);
            return repository.upsert(v, PriceCodec.toJson(proto.getPrice()));
        }).chain(() -> repository.all().invoke(admin -> {
            Map<String, List<PriceVersion>> next = copy(shipped);
            admin.forEach(a -> add(next, a));
            versions = next;
        })).replaceWithVoid();
    }

    public List<PriceVersion> list(String model) {
        List<PriceVersion> out = new ArrayList<>();
        versions.values().forEach(l -> l.stream().filter(v -> model.isEmpty() || v.model().equals(model))
                .forEach(out::add));
        out.sort(Comparator.comparing(PriceVersion::model).thenComparing(PriceVersion::tenantId)
                .thenComparing(BY_TIME));
        return out;
    }

    /** The version in force for this tenant and model at that instant, or null. */
    public PriceVersion find(String tenant, String model, Instant at) {
        Map<String, List<PriceVersion>> v = versions;
        PriceVersion own = latest(v.get(key(tenant, model)), at);
        return own != null ? own : latest(v.get(key("", model)), at);
    }

    /** Like {@link #find}, but an unpriced model is INVALID_ARGUMENT: it is never treated as free. */
    public PriceVersion require(String tenant, String model, Instant at) {
        PriceVersion p = find(tenant, model, at);
        if (p == null) {
            TreeSet<String> priced = new TreeSet<>();
            versions.values().forEach(l -> l.forEach(x -> priced.add(x.model())));
            throw Status.INVALID_ARGUMENT.withDescription("no price for model " + model + " at " + at
                    + "; priced models: " + String.join(", ", priced)
                    + " (add one with the SetPrice RPC or llmops.cost.prices)").asRuntimeException();
        }
        return p;
    }

    private static PriceVersion latest(List<PriceVersion> sorted, Instant at) {
        if (sorted == null) {
            return null;
        }
        PriceVersion found = null;
        for (PriceVersion v : sorted) {
            if (v.effectiveFrom().isAfter(at)) {
                break;
            }
            found = v;
        }
        return found;
    }

    private static String key(String tenant, String model) {
        return tenant + "\n" + model;
    }

    private static void add(Map<String, List<PriceVersion>> into, PriceVersion v) {
        List<PriceVersion> l = into.computeIfAbsent(key(v.tenantId(), v.model()), k -> new ArrayList<>());
        l.removeIf(x -> x.effectiveFrom().equals(v.effectiveFrom()));
        l.add(v);
        l.sort(BY_TIME);
    }

    private static Map<String, List<PriceVersion>> copy(Map<String, List<PriceVersion>> m) {
        Map<String, List<PriceVersion>> out = new HashMap<>();
        m.forEach((k, l) -> out.put(k, new ArrayList<>(l)));
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
