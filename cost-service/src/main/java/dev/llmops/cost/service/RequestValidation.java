package dev.llmops.cost.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import llmops.common.v1.Caller;
import llmops.common.v1.TokenUsage;

/** Checks of the fields the cost logic relies on; every failure is INVALID_ARGUMENT saying what to fix. */
public final class RequestValidation {
    static final int MAX_ID_LENGTH = 256;

    private RequestValidation() {
    }

    public static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** An id that becomes part of a Redis key: non-blank, bounded, no whitespace or control characters. */
    public static void requireId(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw invalid(name + " is required");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw invalid(name + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw invalid(name + " must not contain whitespace or control characters");
            }
        }
    }

    public static void requireCaller(boolean present, Caller caller) {
        if (!present) {
            throw invalid("caller is required (caller.tenant_id and caller.key_id)");
        }
        requireId("caller.tenant_id", caller.getTenantId());
        requireId("caller.key_id", caller.getKeyId());
    }

    public static void requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw invalid("model is required");
        }
    }

    public static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw invalid(name + " must be >= 0, got " + value);
        }
    }

    /** Token counts: none negative, and the subsets no larger than their totals. */
    public static void requireUsage(TokenUsage usage) {
        requireNonNegative("usage.prompt_tokens", usage.getPromptTokens());
        requireNonNegative("usage.completion_tokens", usage.getCompletionTokens());
        requireNonNegative("usage.cached_prompt_tokens", usage.getCachedPromptTokens());
        requireNonNegative("usage.reasoning_tokens", usage.getReasoningTokens());
        requireNonNegative("usage.cache_write_tokens", usage.getCacheWriteTokens());
        if (usage.getCachedPromptTokens() > usage.getPromptTokens()) {
            throw invalid("usage.cached_prompt_tokens (" + usage.getCachedPromptTokens()
                    + ") cannot exceed usage.prompt_tokens (" + usage.getPromptTokens() + ")");
        }
        if (usage.getCacheWriteTokens() > usage.getPromptTokens()) {
            throw invalid("usage.cache_write_tokens (" + usage.getCacheWriteTokens()
                    + ") cannot exceed usage.prompt_tokens (" + usage.getPromptTokens() + ")");
        }
        if (usage.getCachedPromptTokens() + usage.getCacheWriteTokens() > usage.getPromptTokens()) {
            throw invalid("usage.cached_prompt_tokens + usage.cache_write_tokens (" + usage.getCachedPromptTokens()
                    + " + " + usage.getCacheWriteTokens() + ") cannot exceed usage.prompt_tokens ("
                    + usage.getPromptTokens() + "): both are parts of the prompt");
        }
        if (usage.getReasoningTokens() > usage.getCompletionTokens()) {
            throw invalid("usage.reasoning_tokens (" + usage.getReasoningTokens()
                    + ") cannot exceed usage.completion_tokens (" + usage.getCompletionTokens() + ")");
        }
    }
}
