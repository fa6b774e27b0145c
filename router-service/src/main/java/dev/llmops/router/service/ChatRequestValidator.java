package dev.llmops.router.service;

import io.grpc.Status;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.router.v1.ChatRequest;

/** Checks a chat request before anything is spent on it; every message says what to fix. */
final class ChatRequestValidator {
    static final int MAX_STOP_SEQUENCES = 4;
    static final int MAX_TAGS = 32;

    private ChatRequestValidator() {
    }

    static void validate(ChatRequest request) {
        if (request.getMessagesCount() == 0) {
            throw invalid("'messages' must hold at least one message");
        }
        for (int i = 0; i < request.getMessagesCount(); i++) {
            ChatMessage m = request.getMessages(i);
            if (m.getRole() == Role.ROLE_UNSPECIFIED || m.getRole() == Role.UNRECOGNIZED) {
                throw invalid("messages[" + i + "].role must be one of system, user, assistant, tool, developer");
            }
        }
        GenerationParameters p = request.getParameters();
        if (p.hasTemperature() && !(p.getTemperature() >= 0 && p.getTemperature() <= 2)) {
            throw invalid("'temperature' must be between 0 and 2, got " + p.getTemperature());
        }
        if (p.hasTopP() && !(p.getTopP() > 0 && p.getTopP() <= 1)) {
            throw invalid("'top_p' must be greater than 0 and at most 1, got " + p.getTopP());
        }
        if (p.hasMaxTokens() && p.getMaxTokens() <= 0) {
            throw invalid("'max_tokens' must be a positive integer, got " + p.getMaxTokens());
        }
        if (p.getStopCount() > MAX_STOP_SEQUENCES) {
            throw invalid("'stop' holds at most " + MAX_STOP_SEQUENCES + " sequences, got " + p.getStopCount());
        }
        if (p.getResponseFormat().getType() == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA) {
            try {
                new JsonObject(p.getResponseFormat().getJsonSchema());
            } catch (DecodeException | ClassCastException e) {
                throw invalid("'response_format.json_schema' must be a JSON object (the schema)");
            }
        }
        dev.llmops.router.provider.ToolRules.validate(request);
        if (request.getTagsCount() > MAX_TAGS) {
            throw invalid("at most " + MAX_TAGS + " tags, got " + request.getTagsCount());
        }
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
