package dev.llmops.router;

import llmops.common.v1.TokenUsage;

/**
 * An answer: from the provider, from the cache, or a guardrail's fallback.
 *
 * @param content      the answer text
 * @param finishReason OpenAI's finish reason: stop, length, content_filter, tool_calls
 * @param usage        tokens of the call that produced it
 * @param model        the model that produced it (empty for a fallback)
 */
public record ChatResult(String content, String finishReason, TokenUsage usage, String model) {

    public static ChatResult fallback(String text) {
        return new ChatResult(text, "content_filter", TokenUsage.getDefaultInstance(), "");
    }

    public ChatResult withContent(String newContent) {
        return new ChatResult(newContent, finishReason, usage, model);
    }
}
