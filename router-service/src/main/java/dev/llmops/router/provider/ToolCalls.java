package dev.llmops.router.provider;

import io.grpc.Status;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.ToolCall;

/** Helpers for providers whose wire format carries tool calls differently from OpenAI's. */
public final class ToolCalls {
    private ToolCalls() {
    }

    /** A tool call's arguments text as a JSON object (providers that take an object, not text); empty means {}. */
    public static JsonObject arguments(ToolCall call) {
        if (call.getArguments().isBlank()) {
            return new JsonObject();
        }
        try {
            return new JsonObject(call.getArguments());
        } catch (DecodeException | ClassCastException e) {
            throw Status.INVALID_ARGUMENT.withDescription("tool call '" + call.getId()
                    + "' has arguments that are not a JSON object; send them as the model produced them")
                    .asRuntimeException();
        }
    }

    /** A JSON Schema text as an object; empty means an object schema without properties. */
    public static JsonObject schema(String jsonSchema) {
        if (jsonSchema.isBlank()) {
            return new JsonObject().put("type", "object").put("properties", new JsonObject());
        }
        try {
            return new JsonObject(jsonSchema);
        } catch (DecodeException | ClassCastException e) {
            throw Status.INVALID_ARGUMENT.withDescription("a tool's parameters must be a JSON Schema object")
                    .asRuntimeException();
        }
    }

    /** The function name of every tool call id in the conversation (tool results name only the id). */
    public static Map<String, String> namesById(List<ChatMessage> messages) {
        Map<String, String> names = new HashMap<>();
        for (ChatMessage m : messages) {
            for (ToolCall c : m.getToolCallsList()) {
                names.put(c.getId(), c.getName());
            }
        }
        return names;
    }

    /** An id for a provider that gives its calls none. */
    public static String newId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
