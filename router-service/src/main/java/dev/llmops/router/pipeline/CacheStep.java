package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.CacheClient;
import dev.llmops.router.provider.ToolRules;
import io.smallrye.mutiny.Uni;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.CacheTierKind;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.SemanticOptions;
import llmops.cache.v1.StoreRequest;
import llmops.guardrail.v1.Action;

/**
 * Answers from the cache when it can (with the prompt as the input guardrail cleared it); afterwards stores a
 * fresh, unflagged provider answer, without making the caller wait for the store.
 */
public final class CacheStep implements ChatStep {
    private final CacheClient cache;
    private final int ttlSeconds;
    private final SemanticOptions semantic;

    /**
     * @param semanticPolicy {@code off} for the exact tier only; otherwise the cache-service's semantic policy to
     *                       use ({@code default}, {@code strict}, {@code lenient})
     */
    public CacheStep(CacheClient cache, int ttlSeconds, String semanticPolicy) {
        this.cache = cache;
        this.ttlSeconds = ttlSeconds;
        this.semantic = "off".equals(semanticPolicy) ? SemanticOptions.getDefaultInstance()
                : SemanticOptions.newBuilder().setEnabled(true)
                        .setPolicy("default".equals(semanticPolicy) ? "" : semanticPolicy).build();
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        if (ToolRules.usesTools(ex.request())) {
            // the cache key holds role, name and content only: tools and tool calls would collide
            return Uni.createFrom().nullItem();
        }
        return cache.lookup(LookupRequest.newBuilder().setQuery(query(ex)).setSemantic(semantic).build()).map(found -> {
            if (!found.getHit()) {
                return null;
            }
            ex.cacheHit(true);
            ex.cacheTier(found.getTier() == CacheTierKind.CACHE_TIER_KIND_SEMANTIC ? "semantic" : "exact",
                    found.getSimilarity());
            CachedAnswer a = found.getAnswer();
            return new ChatResult(a.getContent(), a.getFinishReason(), a.getUsage(), a.getModel());
        });
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        ChatResult answer = ex.result();
        boolean storable = !ToolRules.usesTools(ex.request()) && ex.failure() == null && ex.providerResult() != null && !ex.cacheHit()
                && ex.outputAction() == Action.ACTION_ALLOW && answer != null && !answer.content().isEmpty();
        if (storable) {
            cache.store(StoreRequest.newBuilder().setQuery(query(ex)).setTtlSeconds(ttlSeconds).setSemantic(semantic)
                    .addAllDocumentIds(ex.request().getContextDocumentsList().stream().map(d -> d.getId())
                            .filter(id -> !id.isEmpty()).toList())
                    .setAnswer(CachedAnswer.newBuilder().setContent(answer.content())
                            .setFinishReason(answer.finishReason()).setUsage(answer.usage()).setModel(answer.model())
                            .setCreatedUnixMs(System.currentTimeMillis()).setCostNanosUsd(ex.costNanos()))
                    .build());
        }
        return Uni.createFrom().voidItem();
    }

    private static CacheQuery query(ChatExchange ex) {
        return CacheQuery.newBuilder().setCaller(ex.caller()).setModel(ex.route().name()).setModelClass(ex.route().name())
                .addAllMessages(ex.messages()).setParameters(ex.request().getParameters()).build();
    }
}
