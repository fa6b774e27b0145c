package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.client.CacheClient;
import dev.llmops.router.provider.ToolRules;
import io.smallrye.mutiny.Uni;
import llmops.cache.v1.CacheQuery;
import llmops.cache.v1.CachedAnswer;
import llmops.cache.v1.LookupRequest;
import llmops.cache.v1.StoreRequest;
import llmops.guardrail.v1.Action;

/**
 * Answers from the cache when it can (with the prompt as the input guardrail cleared it); afterwards stores a
 * fresh, unflagged provider answer, without making the caller wait for the store.
 */
public final class CacheStep implements ChatStep {
    private final CacheClient cache;
    private final int ttlSeconds;

    public CacheStep(CacheClient cache, int ttlSeconds) {
        this.cache = cache;
        this.ttlSeconds = ttlSeconds;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        if (ToolRules.usesTools(ex.request())) {
            // the cache key holds role, name and content only: tools and tool calls would collide
            return Uni.createFrom().nullItem();
        }
        return cache.lookup(LookupRequest.newBuilder().setQuery(query(ex)).build()).map(found -> {
            if (!found.getHit()) {
                return null;
            }
            ex.cacheHit(true);
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
            cache.store(StoreRequest.newBuilder().setQuery(query(ex)).setTtlSeconds(ttlSeconds)
                    .setAnswer(CachedAnswer.newBuilder().setContent(answer.content())
                            .setFinishReason(answer.finishReason()).setUsage(answer.usage()).setModel(answer.model())
                            .setCreatedUnixMs(System.currentTimeMillis()).setCostNanosUsd(ex.costNanos()))
                    .build());
        }
        return Uni.createFrom().voidItem();
    }

    private static CacheQuery query(ChatExchange ex) {
        return CacheQuery.newBuilder().setCaller(ex.caller()).setModel(ex.route().name())
                .addAllMessages(ex.messages()).setParameters(ex.request().getParameters()).build();
    }
}
