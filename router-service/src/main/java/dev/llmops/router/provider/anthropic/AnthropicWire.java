package dev.llmops.router.provider.anthropic;

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
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import llmops.common.v1.ToolCall;
import llmops.router.v1.Tool;

/**
 * Anthropic Messages API wire types and converters ({@code POST {base}/messages}).
 *
 * <p>Differences from OpenAI's shape that the converters bridge: system and developer messages go to the top-level
 * {@code system}; tool results are {@code tool_result} blocks in a user turn; consecutive turns of one role are
 * merged into one; {@code max_tokens} is required; temperature is 0..1; there is no JSON mode, so JSON mode is a
 * forced call of a {@value #JSON_TOOL} tool whose input becomes the answer's content (the usual bridge).
 */
public final class AnthropicWire {
    /** The tool that carries a JSON-mode answer; never shown to the client as a tool call. */
    public static final String JSON_TOOL = "json_response";

    private AnthropicWire() {
    }

    public static JsonObject toAnthropicRequest(ProviderCall call, boolean stream, int defaultMaxTokens) {
        GenerationParameters p = call.parameters();
        JsonObject body = new JsonObject().put("model", call.route().upstreamModel())
                .put("max_tokens", p.hasMaxTokens() ? p.getMaxTokens() : defaultMaxTokens);
        StringBuilder system = new StringBuilder();
        JsonArray messages = new JsonArray();
        String lastRole = null;
        JsonArray turn = null;
        for (ChatMessage m : call.messages()) {
            if (m.getRole() == Role.ROLE_SYSTEM || m.getRole() == Role.ROLE_DEVELOPER) {
                system.append(system.isEmpty() ? "" : "\n\n").append(m.getContent());
                continue;
            }
            String role = m.getRole() == Role.ROLE_ASSISTANT ? "assistant" : "user";
            if (!role.equals(lastRole)) {
                turn = new JsonArray();
                messages.add(new JsonObject().put("role", role).put("content", turn));
                lastRole = role;
            }
            addBlocks(turn, m);
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonObject msg = messages.getJsonObject(i);
            JsonArray blocks = msg.getJsonArray("content");
            if (blocks.size() == 1 && "text".equals(blocks.getJsonObject(0).getString("type"))) {
                msg.put("content", blocks.getJsonObject(0).getString("text")); // the plain form, as most callers send
            }
        }
        body.put("messages", messages);
        if (!system.isEmpty()) {
            body.put("system", system.toString());
        }
        if (p.hasTemperature()) {
            body.put("temperature", Math.min(1.0, p.getTemperature())); // Anthropic's range is 0..1
        }
        if (p.hasTopP()) {
            body.put("top_p", p.getTopP());
        }
        if (p.getStopCount() > 0) {
            body.put("stop_sequences", new JsonArray(p.getStopList()));
        }
        if (!call.user().isEmpty()) {
            body.put("metadata", new JsonObject().put("user_id", call.user()));
        }
        tools(call, body);
        if (stream) {
            body.put("stream", true); // usage comes natively in message_start and message_delta
        }
        return body;
    }

    private static void addBlocks(JsonArray turn, ChatMessage m) {
        if (m.getRole() == Role.ROLE_TOOL) {
            turn.add(new JsonObject().put("type", "tool_result").put("tool_use_id", m.getToolCallId())
                    .put("content", m.getContent()));
            return;
        }
        if (!m.getContent().isEmpty()) {
            turn.add(new JsonObject().put("type", "text").put("text", m.getContent()));
        }
        for (ToolCall c : m.getToolCallsList()) {
            turn.add(new JsonObject().put("type", "tool_use").put("id", c.getId()).put("name", c.getName())
                    .put("input", ToolCalls.arguments(c)));
        }
    }

    private static void tools(ProviderCall call, JsonObject body) {
        JsonArray tools = new JsonArray();
        for (Tool t : call.tools()) {
            JsonObject tool = new JsonObject().put("name", t.getName())
                    .put("input_schema", ToolCalls.schema(t.getParametersJsonSchema()));
            if (!t.getDescription().isEmpty()) {
                tool.put("description", t.getDescription());
            }
            tools.add(tool);
        }
        JsonObject choice = switch (call.toolChoice().getMode()) {
            case TOOL_CHOICE_MODE_AUTO -> new JsonObject().put("type", "auto");
            case TOOL_CHOICE_MODE_NONE -> new JsonObject().put("type", "none");
            case TOOL_CHOICE_MODE_REQUIRED -> new JsonObject().put("type", "any");
            case TOOL_CHOICE_MODE_FUNCTION -> new JsonObject().put("type", "tool")
                    .put("name", call.toolChoice().getFunctionName());
            default -> null;
        };
        ResponseFormatType format = call.parameters().getResponseFormat().getType();
        if (format == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT
                || format == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA) {
            JsonObject schema = format == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA
                    ? new JsonObject(call.parameters().getResponseFormat().getJsonSchema())
                    : new JsonObject().put("type", "object");
            String purpose = call.parameters().getResponseFormat().getDescription();
            tools.add(new JsonObject().put("name", JSON_TOOL)
                    .put("description", "Give the answer as JSON that matches this schema."
                            + (purpose.isEmpty() ? "" : " " + purpose))
                    .put("input_schema", schema));
            // without other tools the answer must be the JSON; with them, the model must call one of them or answer
            choice = call.tools().isEmpty() ? new JsonObject().put("type", "tool").put("name", JSON_TOOL)
                    : new JsonObject().put("type", "any");
        }
        if (!tools.isEmpty()) {
            body.put("tools", tools);
        }
        if (Boolean.FALSE.equals(call.parallelToolCalls()) && !tools.isEmpty()) {
            choice = (choice == null ? new JsonObject().put("type", "auto") : choice)
                    .put("disable_parallel_tool_use", true);
        }
        if (choice != null && !tools.isEmpty()) {
            body.put("tool_choice", choice);
        }
    }

    public static ChatResult fromAnthropicResponse(JsonObject body) {
        if (!"message".equals(body.getString("type", "message"))) {
            throw Status.INTERNAL.withDescription("the upstream answered with a '" + body.getString("type")
                    + "' instead of a message").asRuntimeException();
        }
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        boolean json = false;
        JsonArray blocks = body.getJsonArray("content", new JsonArray());
        for (int i = 0; i < blocks.size(); i++) {
            JsonObject block = blocks.getJsonObject(i);
            switch (block.getString("type", "")) {
                case "text" -> {
                    if (!json) {
                        content.append(block.getString("text", ""));
                    }
                }
                case "tool_use" -> {
                    JsonObject input = block.getJsonObject("input", new JsonObject());
                    if (JSON_TOOL.equals(block.getString("name"))) {
                        content.setLength(0); // the JSON is the whole answer, without any preamble
                        content.append(input.encode());
                        json = true;
                    } else {
                        calls.add(ToolCall.newBuilder().setId(block.getString("id", ToolCalls.newId()))
                                .setName(block.getString("name", "")).setArguments(input.encode()).build());
                    }
                }
                default -> {
                    // thinking and other blocks are not part of the answer's text
                }
            }
        }
        String finish = finishReason(body.getString("stop_reason"), !calls.isEmpty(), json);
        return new ChatResult(content.toString(), finish, usage(body.getJsonObject("usage")),
                body.getString("model", ""), calls);
    }

    static String finishReason(String stopReason, boolean toolCalls, boolean jsonAnswer) {
        if (toolCalls) {
            return "tool_calls";
        }
        return switch (stopReason == null ? "" : stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "refusal" -> "content_filter";
            case "tool_use" -> jsonAnswer ? "stop" : "tool_calls";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /**
     * Anthropic's input_tokens excludes the tokens read from and written to its prompt cache; ours counts every
     * prompt token, with the cached and the cache-written ones as subsets.
     */
    public static TokenUsage usage(JsonObject usage) {
        if (usage == null) {
            return TokenUsage.getDefaultInstance();
        }
        return usage(usage.getLong("input_tokens", 0L), usage.getLong("output_tokens", 0L),
                usage.getLong("cache_read_input_tokens", 0L), usage.getLong("cache_creation_input_tokens", 0L));
    }

    static TokenUsage usage(long input, long output, long cacheRead, long cacheWrite) {
        return TokenUsage.newBuilder().setPromptTokens(input + cacheRead + cacheWrite).setCompletionTokens(output)
                .setCachedPromptTokens(cacheRead).setCacheWriteTokens(cacheWrite).build();
    }

    /**
     * Anthropic's error JSON: {@code {"type": "error", "error": {"type": "rate_limit_error", "message": ...}}};
     * Retry-After on 429 and 529 (overloaded).
     */
    public static StatusRuntimeException error(String upstream, int httpStatus, String body, String retryAfter) {
        String message = UpstreamErrors.bodyStart(body);
        try {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            if (error != null && error.getString("message") != null) {
                message = error.getString("type", "error") + ": " + error.getString("message");
            }
        } catch (DecodeException | ClassCastException e) {
            // not Anthropic's error JSON: keep the start of the body
        }
        return UpstreamErrors.http(upstream, httpStatus, message, UpstreamErrors.retryAfterHeader(retryAfter, null));
    }
}
