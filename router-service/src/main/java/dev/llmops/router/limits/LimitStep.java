package dev.llmops.router.limits;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.auth.ApiKeys.Principal;
import dev.llmops.router.pipeline.ChatStep;
import io.smallrye.mutiny.Uni;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.TokenUsage;

/**
 * The first step of the pipeline: counts the request against its key's RPM limit and reserves its estimated tokens
 * against the TPM limit, or ends it with RESOURCE_EXHAUSTED and the wait in RetryInfo. Afterwards replaces the
 * estimate with the tokens the provider really used (none for a cache hit or a failure before an answer).
 */
public final class LimitStep implements ChatStep {
    private final RateLimiter limiter;
    private final int defaultMaxTokens;

    public LimitStep(RateLimiter limiter, int defaultMaxTokens) {
        this.limiter = limiter;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public Uni<ChatResult> before(ChatExchange ex) {
        Principal p = ex.principal();
        if (p == null || !p.limited()) {
            return Uni.createFrom().nullItem();
        }
        int maxTokens = ex.request().getParameters().hasMaxTokens()
                ? ex.request().getParameters().getMaxTokens() : defaultMaxTokens;
        long estimate = estimatePromptTokens(ex.messages()) + Math.max(0, maxTokens);
        return limiter.acquire(p.keyId(), p.rpmLimit(), p.tpmLimit(), estimate).map(d -> {
            if (!d.allowed()) {
                throw RetryInfos.exhausted(message(p, d), d.retryAfterMs());
            }
            ex.limitDecision(d);
            return null;
        });
    }

    @Override
    public Uni<Void> after(ChatExchange ex) {
        RateLimiter.Decision d = ex.limitDecision();
        if (d == null || ex.principal() == null) {
            return Uni.createFrom().voidItem();
        }
        TokenUsage usage = ex.providerResult() == null ? TokenUsage.getDefaultInstance() : ex.providerResult().usage();
        // off the response's path: the answer need not wait for the bookkeeping (a lost correction is logged)
        limiter.correct(ex.principal().keyId(), d, usage.getPromptTokens() + usage.getCompletionTokens())
                .subscribe().with(ok -> { }, e -> { });
        return Uni.createFrom().voidItem();
    }

    static String message(Principal p, RateLimiter.Decision d) {
        long seconds = Math.max(1, (d.retryAfterMs() + 999) / 1000);
        String which = "tpm".equals(d.exceeded())
                ? "its limit of " + p.tpmLimit() + " tokens per minute"
                : "its limit of " + p.rpmLimit() + " requests per minute";
        return "API key '" + p.keyId() + "' has reached " + which + "; retry in " + seconds + " s";
    }

    /** Same deliberate over-estimate as the budget step (about 3 characters a token, plus per-message overhead). */
    static long estimatePromptTokens(List<ChatMessage> messages) {
        long chars = 0;
        for (ChatMessage m : messages) {
            chars += m.getContent().length() + 4 * 3;
        }
        return (chars + 2) / 3;
    }
}
