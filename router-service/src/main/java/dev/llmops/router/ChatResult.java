package dev.llmops.router;

import java.util.List;
import llmops.common.v1.ToolCall;
import llmops.common.v1.TokenUsage;

/**
 * An answer: from the provider, from the cache, or a guardrail's fallback.
 *
 * @param content      the answer text (often empty when the model called tools)
 * @param finishReason OpenAI's finish reason: stop, length, content_filter, tool_calls
 * @param usage        tokens of the call that produced it
 * @param model        the model that produced it (empty for a fallback)
 * @param toolCalls    the function calls the model asked for, in order
 */
public record ChatResult(String content, String finishReason, TokenUsage usage, String model, List<ToolCall> toolCalls) {

    public ChatResult {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A text answer without tool calls. */
    public ChatResult(String content, String finishReason, TokenUsage usage, String model) {
        this(content, finishReason, usage, model, List.of());
    }

    public static ChatResult fallback(String text) {
        return new ChatResult(text, "content_filter", TokenUsage.getDefaultInstance(), "");
    }

    public ChatResult withContent(String newContent) {
        return new ChatResult(newContent, finishReason, usage, model, toolCalls);
    }

    public ChatResult withToolCalls(List<ToolCall> newToolCalls) {
        return new ChatResult(content, finishReason, usage, model, newToolCalls);
    }
}
