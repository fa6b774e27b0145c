package dev.llmops.router.provider.openai;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.ToolCalls;
import dev.llmops.router.provider.UpstreamErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import llmops.common.v1.ToolCall;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoice;

/** OpenAI chat-completions wire types and converters. */
public final class OpenAiWire {
    private OpenAiWire() {
    }

    public static JsonObject toOpenAiRequest(ProviderCall call, boolean stream) {
        JsonArray messages = new JsonArray();
        for (ChatMessage m : call.messages()) {
            messages.add(message(m));
        }
        JsonObject body = new JsonObject().put("model", call.route().upstreamModel()).put("messages", messages);
        GenerationParameters p = call.parameters();
        if (p.hasTemperature()) {
            body.put("temperature", p.getTemperature());
        }
        if (p.hasTopP()) {
            body.put("top_p", p.getTopP());
        }
        if (p.hasMaxTokens()) {
            body.put("max_tokens", p.getMaxTokens());
        }
        if (p.getStopCount() > 0) {
            body.put("stop", new JsonArray(p.getStopList()));
        }
        if (p.hasSeed()) {
            body.put("seed", p.getSeed());
        }
        JsonObject format = responseFormat(p.getResponseFormat());
        if (format != null) {
            body.put("response_format", format);
        }
        if (!call.tools().isEmpty()) {
            JsonArray tools = new JsonArray();
            for (Tool t : call.tools()) {
                JsonObject function = new JsonObject().put("name", t.getName())
                        .put("parameters", ToolCalls.schema(t.getParametersJsonSchema()));
                if (!t.getDescription().isEmpty()) {
                    function.put("description", t.getDescription());
                }
                if (t.getStrict()) {
                    function.put("strict", true);
                }
                tools.add(new JsonObject().put("type", "function").put("function", function));
            }
            body.put("tools", tools);
        }
        Object choice = toolChoice(call.toolChoice());
        if (choice != null && !call.tools().isEmpty()) { // OpenAI refuses tool_choice without tools
            body.put("tool_choice", choice);
        }
        if (call.parallelToolCalls() != null && !call.tools().isEmpty()) {
            body.put("parallel_tool_calls", call.parallelToolCalls());
        }
        if (!call.user().isEmpty()) {
            body.put("user", call.user());
        }
        if (stream) {
            // always: usage is billed exactly even when the client did not ask for it (the HTTP layer hides it)
            body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
        }
        return body;
    }

    private static JsonObject message(ChatMessage m) {
        JsonObject msg = new JsonObject().put("role", roleName(m.getRole()));
        if (m.getToolCallsCount() > 0) {
            msg.put("content", m.getContent().isEmpty() ? null : m.getContent());
            JsonArray calls = new JsonArray();
            for (ToolCall c : m.getToolCallsList()) {
                calls.add(new JsonObject().put("id", c.getId()).put("type", "function").put("function",
                        new JsonObject().put("name", c.getName()).put("arguments",
                                c.getArguments().isEmpty() ? "{}" : c.getArguments())));
            }
            msg.put("tool_calls", calls);
        } else {
            msg.put("content", m.getContent());
        }
        if (!m.getToolCallId().isEmpty()) {
            msg.put("tool_call_id", m.getToolCallId());
        }
        if (!m.getName().isEmpty()) {
            msg.put("name", m.getName());
        }
        return msg;
    }

    static Object toolChoice(ToolChoice choice) {
        return switch (choice.getMode()) {
            case TOOL_CHOICE_MODE_AUTO -> "auto";
            case TOOL_CHOICE_MODE_NONE -> "none";
            case TOOL_CHOICE_MODE_REQUIRED -> "required";
            case TOOL_CHOICE_MODE_FUNCTION -> new JsonObject().put("type", "function")
                    .put("function", new JsonObject().put("name", choice.getFunctionName()));
            default -> null;
        };
    }

    private static JsonObject responseFormat(ResponseFormat f) {
        return switch (f.getType()) {
            case RESPONSE_FORMAT_TYPE_TEXT -> new JsonObject().put("type", "text");
            case RESPONSE_FORMAT_TYPE_JSON_OBJECT -> new JsonObject().put("type", "json_object");
            case RESPONSE_FORMAT_TYPE_JSON_SCHEMA -> new JsonObject().put("type", "json_schema")
                    .put("json_schema", jsonSchema(f));
            default -> null;
        };
    }

    private static JsonObject jsonSchema(ResponseFormat f) {
        JsonObject js = new JsonObject().put("name", f.getSchemaName().isEmpty() ? "response" : f.getSchemaName())
                .put("schema", new JsonObject(f.getJsonSchema()));
        if (!f.getDescription().isEmpty()) {
            js.put("description", f.getDescription());
        }
        if (f.getStrict()) {
            js.put("strict", true);
        }
        return js;
    }

    public static String roleName(Role role) {
        return switch (role) {
            case ROLE_SYSTEM -> "system";
            case ROLE_USER -> "user";
            case ROLE_ASSISTANT -> "assistant";
            case ROLE_TOOL -> "tool";
            case ROLE_DEVELOPER -> "developer";
            default -> throw Status.INVALID_ARGUMENT.withDescription("message role must be set").asRuntimeException();
        };
    }

    public static ChatResult fromOpenAiResponse(JsonObject body) {
        JsonArray choices = body.getJsonArray("choices");
        if (choices == null || choices.isEmpty()) {
            throw Status.INTERNAL.withDescription("the upstream answered without choices").asRuntimeException();
        }
        JsonObject choice = choices.getJsonObject(0);
        JsonObject message = choice.getJsonObject("message", new JsonObject());
        List<ToolCall> calls = new ArrayList<>();
        JsonArray toolCalls = message.getJsonArray("tool_calls");
        if (toolCalls != null) {
            for (int i = 0; i < toolCalls.size(); i++) {
                JsonObject c = toolCalls.getJsonObject(i);
                JsonObject f = c.getJsonObject("function", new JsonObject());
                calls.add(ToolCall.newBuilder().setId(c.getString("id", ToolCalls.newId()))
                        .setName(f.getString("name", "")).setArguments(arguments(f.getValue("arguments"))).build());
            }
        }
        String content = message.getValue("content") instanceof String s ? s : "";
        String finish = choice.getString("finish_reason");
        return new ChatResult(content, finish == null ? (calls.isEmpty() ? "stop" : "tool_calls") : finish,
                usage(body.getJsonObject("usage")), body.getString("model", ""), calls);
    }

    /** Arguments as text; some OpenAI-compatible servers (older Ollama) send an object instead of a string. */
    static String arguments(Object value) {
        if (value == null) {
            return "{}";
        }
        return value instanceof String s ? s : value instanceof JsonObject o ? o.encode() : String.valueOf(value);
    }

    public static TokenUsage usage(JsonObject usage) {
        if (usage == null) {
            return TokenUsage.getDefaultInstance();
        }
        TokenUsage.Builder b = TokenUsage.newBuilder()
                .setPromptTokens(usage.getLong("prompt_tokens", 0L))
                .setCompletionTokens(usage.getLong("completion_tokens", 0L));
        JsonObject promptDetails = usage.getJsonObject("prompt_tokens_details");
        if (promptDetails != null) {
            b.setCachedPromptTokens(promptDetails.getLong("cached_tokens", 0L));
        }
        JsonObject completionDetails = usage.getJsonObject("completion_tokens_details");
        if (completionDetails != null) {
            b.setReasoningTokens(completionDetails.getLong("reasoning_tokens", 0L));
        }
        return b.build();
    }

    /**
     * The gRPC status for an upstream HTTP error, with the upstream's own message when it sent OpenAI's error JSON
     * ({@code {"error": {"message", "type", "code"}}}) and its Retry-After.
     */
    public static StatusRuntimeException error(String upstream, int httpStatus, String body, String retryAfter) {
        return error(upstream, httpStatus, body, retryAfter, null);
    }

    static StatusRuntimeException error(String upstream, int httpStatus, String body, String retryAfter,
                                        String retryAfterMs) {
        return UpstreamErrors.http(upstream, httpStatus, upstreamMessage(body),
                UpstreamErrors.retryAfterHeader(retryAfter, retryAfterMs));
    }

    private static String upstreamMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            if (error != null && error.getString("message") != null) {
                return error.getString("message");
            }
        } catch (DecodeException | ClassCastException e) {
            // not OpenAI's error JSON: show the start of the body
        }
        return UpstreamErrors.bodyStart(body);
    }
}
