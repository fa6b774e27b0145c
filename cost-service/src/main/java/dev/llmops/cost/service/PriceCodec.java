package dev.llmops.cost.service;

import dev.llmops.cost.PriceVersion;
import dev.llmops.cost.PriceVersion.Rates;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import llmops.cost.v1.ModelPrice;

/** Price versions to and from the catalog JSON, the proto message and the database's jsonb (decimal strings). */
public final class PriceCodec {
    /** Past this many versions a memo starts again (a catalog holds far fewer; admin churn cannot grow it forever). */
    static final int MEMO_LIMIT = 4096;
    private static final Map<PriceVersion, llmops.cost.v1.PriceVersion> SHOWN = new ConcurrentHashMap<>();
    private static final Map<llmops.cost.v1.PriceVersion, PriceVersion> READ = new ConcurrentHashMap<>();

    private PriceCodec() {
    }

    /**
     * {@link #toProto} once per version: every Reserve answers with the price version it used, and the same few
     * versions serve all day (records and proto messages compare by value, so an equal version finds the same entry).
     */
    public static llmops.cost.v1.PriceVersion toProtoMemoised(PriceVersion v) {
        return memoised(SHOWN, v, PriceCodec::toProto);
    }

    /** {@link #fromProto} once per version (a router prices every answer at the version its Reserve answered). */
    public static PriceVersion fromProtoMemoised(llmops.cost.v1.PriceVersion v) {
        return memoised(READ, v, PriceCodec::fromProto);
    }

    private static <K, V> V memoised(Map<K, V> memo, K key, Function<K, V> convert) {
        V known = memo.get(key);
        if (known != null) {
            return known;
        }
        V made = convert.apply(key); // outside the map: a refused version throws and is not kept
        if (memo.size() >= MEMO_LIMIT) {
            memo.clear();
        }
        memo.put(key, made);
        return made;
    }

    /** A catalog entry: {@code {"effective_from": "2024-10-02", "input": "2.50", ..., "tier": {...}}}. */
    static PriceVersion fromCatalog(String model, JsonObject e) {
        String where = "prices/catalog.json " + model + " " + e.getString("effective_from");
        Instant from = LocalDate.parse(e.getString("effective_from")).atStartOfDay(ZoneOffset.UTC).toInstant();
        Rates base = rates(where, e);
        JsonObject tier = e.getJsonObject("tier");
        return new PriceVersion(model, "", from, base, tier == null ? 0 : tier.getLong("above_prompt_tokens"),
                tier == null ? null : rates(where + " tier", tier), e.getString("source", "catalog"));
    }

    /** Rates from JSON with keys input, output, cached_input, cache_write, reasoning; absent ones fall back. */
    static Rates rates(String where, JsonObject o) {
        BigDecimal input = decimal(where, "input", o.getString("input"), null);
        BigDecimal output = decimal(where, "output", o.getString("output"), null);
        return new Rates(input, decimal(where, "cached_input", o.getString("cached_input"), input),
                decimal(where, "cache_write", o.getString("cache_write"), input), output,
                decimal(where, "reasoning", o.getString("reasoning"), output));
    }

    static BigDecimal decimal(String where, String field, String raw, BigDecimal fallback) {
        if (raw == null || raw.isBlank()) {
            if (fallback == null) {
                throw RequestValidation.invalid(where + ": " + field + " is required (USD per million tokens)");
            }
            return fallback;
        }
        BigDecimal v;
        try {
            v = new BigDecimal(raw.trim());
        } catch (NumberFormatException e) {
            throw RequestValidation.invalid(where + ": " + field + " must be a decimal like 2.50, got " + raw);
        }
        if (v.signum() < 0) {
            throw RequestValidation.invalid(where + ": " + field + " must not be negative, got " + raw);
        }
        return v;
    }

    /** From the admin RPC; validates every field (INVALID_ARGUMENT). */
    public static PriceVersion fromProto(llmops.cost.v1.PriceVersion v) {
        RequestValidation.requireModel(v.getModel());
        if (!v.getTenantId().isEmpty()) {
            RequestValidation.requireId("version.tenant_id", v.getTenantId());
        }
        RequestValidation.requireNonNegative("version.effective_from_unix_ms", v.getEffectiveFromUnixMs());
        if (!v.hasPrice()) {
            throw RequestValidation.invalid("version.price is required");
        }
        return fromJson(v.getModel(), v.getTenantId(), Instant.ofEpochMilli(v.getEffectiveFromUnixMs()),
                toJson(v.getPrice()), v.getSource().isBlank() ? "admin" : v.getSource());
    }

    /** The database's jsonb (same keys as the proto, snake_case). */
    public static PriceVersion fromJson(String model, String tenant, Instant from, JsonObject p, String source) {
        String where = "price of " + model + (tenant.isEmpty() ? "" : " for tenant " + tenant);
        Rates base = rates(where, new JsonObject().put("input", p.getString("input_usd_per_mtok"))
                .put("output", p.getString("output_usd_per_mtok"))
                .put("cached_input", p.getString("cached_input_usd_per_mtok"))
                .put("cache_write", p.getString("cache_write_usd_per_mtok"))
                .put("reasoning", p.getString("reasoning_usd_per_mtok")));
        long above = p.getLong("tier_above_prompt_tokens", 0L);
        Rates tier = null;
        if (above < 0) {
            throw RequestValidation.invalid(where + ": tier_above_prompt_tokens must be >= 0");
        }
        if (above > 0) {
            tier = rates(where + " tier", new JsonObject().put("input", p.getString("tier_input_usd_per_mtok"))
                    .put("output", p.getString("tier_output_usd_per_mtok"))
                    .put("cached_input", p.getString("tier_cached_input_usd_per_mtok"))
                    .put("cache_write", p.getString("tier_cache_write_usd_per_mtok")));
        }
        return new PriceVersion(model, tenant, from, base, above, tier, source);
    }

    public static JsonObject toJson(ModelPrice p) {
        return new JsonObject().put("input_usd_per_mtok", p.getInputUsdPerMtok())
                .put("output_usd_per_mtok", p.getOutputUsdPerMtok())
                .put("cached_input_usd_per_mtok", p.getCachedInputUsdPerMtok())
                .put("cache_write_usd_per_mtok", p.getCacheWriteUsdPerMtok())
                .put("reasoning_usd_per_mtok", p.getReasoningUsdPerMtok())
                .put("tier_above_prompt_tokens", p.getTierAbovePromptTokens())
                .put("tier_input_usd_per_mtok", p.getTierInputUsdPerMtok())
                .put("tier_output_usd_per_mtok", p.getTierOutputUsdPerMtok())
                .put("tier_cached_input_usd_per_mtok", p.getTierCachedInputUsdPerMtok())
                .put("tier_cache_write_usd_per_mtok", p.getTierCacheWriteUsdPerMtok());
    }

    public static llmops.cost.v1.PriceVersion toProto(PriceVersion v) {
        ModelPrice.Builder p = ModelPrice.newBuilder()
                .setInputUsdPerMtok(v.base().input().toPlainString())
                .setOutputUsdPerMtok(v.base().output().toPlainString())
                .setCachedInputUsdPerMtok(v.base().cachedInput().toPlainString())
                .setCacheWriteUsdPerMtok(v.base().cacheWrite().toPlainString())
                .setReasoningUsdPerMtok(v.base().reasoning().toPlainString());
        if (v.tier() != null) {
            p.setTierAbovePromptTokens(v.tierAbovePromptTokens())
                    .setTierInputUsdPerMtok(v.tier().input().toPlainString())
                    .setTierOutputUsdPerMtok(v.tier().output().toPlainString())
                    .setTierCachedInputUsdPerMtok(v.tier().cachedInput().toPlainString())
                    .setTierCacheWriteUsdPerMtok(v.tier().cacheWrite().toPlainString());
        }
        return llmops.cost.v1.PriceVersion.newBuilder().setModel(v.model()).setTenantId(v.tenantId())
                .setEffectiveFromUnixMs(v.effectiveFrom().toEpochMilli()).setPrice(p).setSource(v.source()).build();
    }
}
