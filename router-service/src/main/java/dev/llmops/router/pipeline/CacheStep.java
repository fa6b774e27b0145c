package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.CacheClient;
import dev.llmops.router.client.ExactCacheReads;
import dev.llmops.router.provider.ToolRules;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.SemanticOptions;
import llmops.cache.v1.StoreRequest;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.Tool;

/**
 * Answers from the cache when it can (with the prompt as the input guardrail cleared it); afterwards offers every
 * fresh provider answer to the cache with the never-cache signals (flagged by the output check, unredacted PII,
 * opted out, error), its tags and source-document ids, without making the caller wait. The cache-service decides.
 */
public final class CacheStep implements ChatStep {
    /** A caller tag (request metadata, or the key's tags) that keeps the request out of the cache: {@code cache=off}. */
    public static final String OPT_OUT_TAG = "cache";
    public static final String OPT_OUT_VALUE = "off";
    /** The cache-service's bounds on tags. */
    static final int MAX_TAGS = 32;
    static final int MAX_TAG_CHARS = 256;
    private final CacheClient cache;
    /** Reads exact hits straight from Redis; null: every lookup is a Lookup call to the cache-service. */
    private final ExactCacheReads exactReads;
    private final int ttlSeconds;
    private final SemanticOptions semantic;

    /**
     * @param semanticPolicy {@code off} for the exact tier only; otherwise the cache-service's semantic policy to
     *                       use ({@code default}, {@code strict}, {@code lenient})
     * @param exactReads     reads the exact tier from Redis before (and, with the semantic tier off, instead of) the
     *                       cache-service's Lookup; null to always call Lookup
     */
    public CacheStep(CacheClient cache, ExactCacheReads exactReads, int ttlSeconds, String semanticPolicy) {
        this.cache = cache;
        this.exactReads = exactReads;
        this.ttlSeconds = ttlSeconds;
        this.semantic = "off".equals(semanticPolicy) ? SemanticOptions.getDefaultInstance()
                : SemanticOptions.newBuilder().setEnabled(true)
                        .setPolicy("default".equals(semanticPolicy) ? "" : semanticPolicy).build();
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        if (optedOut(ex)) {
            return Uni.createFrom().nullItem();
        }
        CacheQuery query = query(ex);
        SemanticOptions semantic = semanticFor(ex);
        if (exactReads == null) {
            return lookup(ex, query, semantic, false);
        }
        return exactReads.lookup(query).flatMap(answer -> answer != null
                ? Uni.createFrom().item(hit(ex, "exact", 1.0, answer))
                : semantic.getEnabled() ? lookup(ex, query, semantic, true) : Uni.createFrom().nullItem());
    }

    /** The cache-service's Lookup: every tier the options allow, but the exact one when it was read directly. */
    private Uni<ChatResult> lookup(ChatExchange ex, CacheQuery query, SemanticOptions semantic, boolean exactRead) {
        return cache.lookup(LookupRequest.newBuilder().setQuery(query).setSemantic(semantic).setSkipExact(exactRead)
                .build()).map(found -> !found.getHit()
                ? null : hit(ex, found.getTier() == CacheTierKind.CACHE_TIER_KIND_SEMANTIC ? "semantic" : "exact",
                        found.getSimilarity(), found.getAnswer()));
    }

    private static ChatResult hit(ChatExchange ex, String tier, double similarity, CachedAnswer a) {
        ex.cacheHit(true);
        ex.cacheTier(tier, similarity);
        return new ChatResult(a.getContent(), a.getFinishReason(), a.getUsage(), a.getModel());
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        // the provider's answer, not the shown one: that may hold the caller's own values put back for the caller
        ChatResult answer = ex.providerResult();
        // requests with tools are cached (tools_hash is part of the key) but an answer that calls a tool is not: a
        // cached answer holds text only
        if (ex.cacheHit() || answer == null || answer.content().isEmpty() || !answer.toolCalls().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        cache.store(store(ex, answer));
        return Uni.createFrom().voidItem();
    }

    StoreRequest store(ChatExchange ex, ChatResult answer) {
        return StoreRequest.newBuilder().setQuery(query(ex)).setTtlSeconds(ttlSeconds).setSemantic(semanticFor(ex))
                .addAllTags(tags(ex.caller().getTagsMap()))
                .addAllDocumentIds(ex.request().getContextDocumentsList().stream().map(d -> d.getId())
                        .filter(id -> !id.isEmpty() && id.length() <= MAX_TAG_CHARS).distinct().toList())
                .setAnswerFlagged(ex.outputFlagged())
                .setIsError(ex.failure() != null)
                .setContainsUnredactedPii(ex.unredactedPii())
                .setOptedOut(optedOut(ex))
                .setAnswer(CachedAnswer.newBuilder().setContent(answer.content())
                        .setFinishReason(answer.finishReason()).setUsage(answer.usage()).setModel(answer.model())
                        .setCreatedUnixMs(System.currentTimeMillis()).setCostNanosUsd(ex.costNanos()))
                .build();
    }

    /** Requests with tools use the exact tier only: a paraphrase might be one the model would answer with a tool. */
    private SemanticOptions semanticFor(ChatExchange ex) {
        return ToolRules.usesTools(ex.request()) ? SemanticOptions.getDefaultInstance() : semantic;
    }

    static boolean optedOut(ChatExchange ex) {
        return OPT_OUT_VALUE.equalsIgnoreCase(ex.caller().getTagsOrDefault(OPT_OUT_TAG, ""));
    }

    /** The caller's tags as {@code key:value} labels to invalidate by (e.g. {@code kb:pricing}), in key order. */
    static List<String> tags(Map<String, String> callerTags) {
        return callerTags.entrySet().stream().filter(e -> !e.getKey().equals(OPT_OUT_TAG))
                .map(e -> e.getKey() + ":" + e.getValue()).filter(t -> t.length() <= MAX_TAG_CHARS).sorted()
                .limit(MAX_TAGS).toList();
    }

    private static CacheQuery query(ChatExchange ex) {
        return CacheQuery.newBuilder().setCaller(ex.caller()).setModel(ex.route().name()).setModelClass(ex.route().name())
                .addAllMessages(ex.messages()).setParameters(ex.request().getParameters())
                .setToolsHash(toolsHash(ex.request())).build();
    }

    private static void lengthPrefixed(MessageDigest md, byte[] bytes) {
        md.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        md.update(bytes);
    }

    /** Hex SHA-256 over the tool definitions and the tool choice; empty without tools (as the cache proto asks). */
    static String toolsHash(ChatRequest r) {
        if (r.getToolsCount() == 0) {
            return "";
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Tool t : r.getToolsList()) {
                lengthPrefixed(md, t.toByteArray());
            }
            lengthPrefixed(md, r.getToolChoice().toByteArray());
            md.update((r.hasParallelToolCalls() ? String.valueOf(r.getParallelToolCalls()) : "")
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
