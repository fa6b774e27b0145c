package dev.llmops.router.service;

import llmops.common.v1.GenerationParameters;
import llmops.router.v1.ChatRequest;

/** Per-route changes to a request before it is budgeted, cached and sent. */
final class RequestShaping {
    private RequestShaping() {
    }

    /**
     * Caps max_tokens at the route's limit: a request asking more, or not saying, gets the cap (so the budget
     * reservation and the upstream both see a bound). A cap of 0 leaves the request alone.
     */
    static ChatRequest capMaxTokens(ChatRequest request, int cap) {
        GenerationParameters p = request.getParameters();
        if (cap <= 0 || (p.hasMaxTokens() && p.getMaxTokens() <= cap)) {
            return request;
        }
        return request.toBuilder().setParameters(p.toBuilder().setMaxTokens(cap)).build();
    }
}
