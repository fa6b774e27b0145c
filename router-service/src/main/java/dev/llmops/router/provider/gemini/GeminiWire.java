package dev.llmops.router.provider.gemini;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.ToolCalls;
import dev.llmops.router.provider.UpstreamErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import llmops.common.v1.ToolCall;
import llmops.router.v1.Tool;

/**
 * Google Gemini {@code generateContent} wire types and converters.
 *
 * <p>Bridged differences: system and developer messages go to {@code systemInstruction}; the assistant is role
 * {@code model}; a tool result is a {@code functionResponse} part that names the function (looked up from the call
 * id in the conversation) with the result as {@code {"output": ...}} unless it is a JSON object; consecutive turns
 * of one role are merged; tool and response schemas go as JSON Schema ({@code parametersJsonSchema},
 * {@code responseJsonSchema}); Gemini's function calls carry no id unless the model gives one, so the router makes
 * one.
 */
public final class GeminiWire {
    private GeminiWire() {
    }

    public static JsonObject toGeminiRequest(ProviderCall call) {
        JsonObject body = new JsonObject();
        StringBuilder system = new StringBuilder();
        Map<String, String> callNames = ToolCalls.namesById(call.messages());
        JsonArray contents = new JsonArray();
        String lastRole = null;
        JsonArray parts = null;
        for (ChatMessage m : call.messages()) {
            if (m.getRole() == Role.ROLE_SYSTEM || m.getRole() == Role.ROLE_DEVELOPER) {
                system.append(system.isEmpty() ? "" : "\n\n").append(m.getContent());
                continue;
            }
            String role = m.getRole() == Role.ROLE_ASSISTANT ? "model" : "user";
            if (!role.equals(lastRole)) {
                parts = new JsonArray();
                contents.add(new JsonObject().put("role", role).put("parts", parts));
                lastRole = role;
            }
            addParts(parts, m, callNames);
        }
        body.put("contents", contents);
        if (!system.isEmpty()) {
            body.put("systemInstruction", new JsonObject().put("parts", new JsonArray()
                    .add(new JsonObject().put("text", system.toString()))));
        }
        JsonObject generation = generationConfig(call.parameters());
        if (!generation.isEmpty()) {
            body.put("generationConfig", generation);
        }
        tools(call, body);
        return body;
    }

    private static void addParts(JsonArray parts, ChatMessage m, Map<String, String> callNames) {
        if (m.getRole() == Role.ROLE_TOOL) {
            String name = callNames.getOrDefault(m.getToolCallId(), m.getName());
            if (name.isEmpty()) {
                throw Status.INVALID_ARGUMENT.withDescription("a tool message answers tool call '" + m.getToolCallId()
                        + "', which no assistant message in the conversation made; Gemini needs the function's name")
                        .asRuntimeException();
            }
            parts.add(new JsonObject().put("functionResponse", new JsonObject().put("name", name)
                    .put("response", toolResult(m.getContent()))));
            return;
        }
        if (!m.getContent().isEmpty()) {
            parts.add(new JsonObject().put("text", m.getContent()));
        }
        for (ToolCall c : m.getToolCallsList()) {
            parts.add(new JsonObject().put("functionCall", new JsonObject().put("name", c.getName())
                    .put("args", ToolCalls.arguments(c))));
        }
    }

    /** Gemini takes a function's result as an object: a JSON object result as is, anything else as "output". */
    private static JsonObject toolResult(String content) {
        String text = content.strip();
        if (text.startsWith("{")) {
            try {
                return new JsonObject(text);
            } catch (DecodeException e) {
                // not JSON after all: wrap it
            }
        }
        return new JsonObject().put("output", content);
    }

    private static JsonObject generationConfig(GenerationParameters p) {
        JsonObject g = new JsonObject();
        if (p.hasTemperature()) {
            g.put("temperature", p.getTemperature());
        }
        if (p.hasTopP()) {
            g.put("topP", p.getTopP());
        }
        if (p.hasMaxTokens()) {
            g.put("maxOutputTokens", p.getMaxTokens());
        }
        if (p.getStopCount() > 0) {
            g.put("stopSequences", new JsonArray(p.getStopList()));
        }
        if (p.hasSeed()) {
            g.put("seed", p.getSeed());
        }
        ResponseFormatType format = p.getResponseFormat().getType();
        if (format == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT) {
            g.put("responseMimeType", "application/json");
        } else if (format == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA) {
            g.put("responseMimeType", "application/json")
                    .put("responseJsonSchema", new JsonObject(p.getResponseFormat().getJsonSchema()));
        }
        return g;
    }

    private static void tools(ProviderCall call, JsonObject body) {
        if (!call.tools().isEmpty()) {
            JsonArray declarations = new JsonArray();
            for (Tool t : call.tools()) {
                JsonObject d = new JsonObject().put("name", t.getName());
                if (!t.getDescription().isEmpty()) {
                    d.put("description", t.getDescription());
                }
                if (!t.getParametersJsonSchema().isBlank()) {
                    d.put("parametersJsonSchema", ToolCalls.schema(t.getParametersJsonSchema()));
                }
                declarations.add(d);
            }
            body.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
        }
        JsonObject config = switch (call.toolChoice().getMode()) {
            case TOOL_CHOICE_MODE_AUTO -> new JsonObject().put("mode", "AUTO");
            case TOOL_CHOICE_MODE_NONE -> new JsonObject().put("mode", "NONE");
            case TOOL_CHOICE_MODE_REQUIRED -> new JsonObject().put("mode", "ANY");
            case TOOL_CHOICE_MODE_FUNCTION -> new JsonObject().put("mode", "ANY")
                    .put("allowedFunctionNames", new JsonArray().add(call.toolChoice().getFunctionName()));
            default -> null;
        };
        if (config != null && !call.tools().isEmpty()) {
            body.put("toolConfig", new JsonObject().put("functionCallingConfig", config));
        }
    }

    /** One GenerateContentResponse (a whole answer, or one chunk of a stream) read into {@code into}. */
    static void read(JsonObject response, Answer into) {
        if (response.getValue("error") instanceof JsonObject error) {
            throw UpstreamErrors.midStream(into.upstream, error.getString("status", "error") + ": "
                    + error.getString("message", "no message"));
        }
        into.model = response.getString("modelVersion", into.model);
        if (response.getValue("usageMetadata") instanceof JsonObject u) {
            into.usage = usage(u);
        }
        JsonArray candidates = response.getJsonArray("candidates");
        if (candidates == null || candidates.isEmpty()) {
            if (response.getValue("promptFeedback") instanceof JsonObject feedback
                    && feedback.getString("blockReason") != null) {
                into.finishReason = "content_filter"; // the prompt was blocked: no candidate at all
            }
            return;
        }
        JsonObject candidate = candidates.getJsonObject(0);
        JsonObject content = candidate.getJsonObject("content");
        JsonArray parts = content == null ? null : content.getJsonArray("parts");
        if (parts != null) {
            for (int i = 0; i < parts.size(); i++) {
                JsonObject part = parts.getJsonObject(i);
                if (part.getValue("functionCall") instanceof JsonObject fc) {
                    JsonObject args = fc.getJsonObject("args", new JsonObject());
                    into.calls.add(ToolCall.newBuilder().setId(fc.getString("id", ToolCalls.newId()))
                            .setName(fc.getString("name", "")).setArguments(args.encode()).build());
                } else if (part.getValue("text") instanceof String text && !part.getBoolean("thought", false)) {
                    into.text(text);
                }
            }
        }
        if (candidate.getString("finishReason") != null) {
            into.finishReason = finishReason(candidate.getString("finishReason"));
        }
    }

    static String finishReason(String reason) {
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
            default -> "stop"; // STOP, OTHER, MALFORMED_FUNCTION_CALL, ...
        };
    }

    /**
     * Gemini counts thinking tokens apart from the candidates' (both billed as output) and tool-use prompt tokens
     * apart from the prompt's; cached content is a subset of the prompt.
     */
    public static TokenUsage usage(JsonObject u) {
        long thoughts = u.getLong("thoughtsTokenCount", 0L);
        return TokenUsage.newBuilder()
                .setPromptTokens(u.getLong("promptTokenCount", 0L) + u.getLong("toolUsePromptTokenCount", 0L))
                .setCompletionTokens(u.getLong("candidatesTokenCount", 0L) + thoughts)
                .setReasoningTokens(thoughts)
                .setCachedPromptTokens(u.getLong("cachedContentTokenCount", 0L))
                .build();
    }

    /** An answer being read (one response, or the chunks of a stream). */
    static final class Answer {
        final String upstream;
        final StringBuilder content = new StringBuilder();
        final List<ToolCall> calls = new java.util.ArrayList<>();
        final java.util.function.Consumer<String> deltas;
        String model = "";
        String finishReason;
        TokenUsage usage = TokenUsage.getDefaultInstance();

        Answer(String upstream, java.util.function.Consumer<String> deltas) {
            this.upstream = upstream;
            this.deltas = deltas;
        }

        void text(String piece) {
            if (!piece.isEmpty()) {
                content.append(piece);
                deltas.accept(piece);
            }
        }

        ChatResult result() {
            String finish = finishReason == null ? "stop" : finishReason;
            if (!calls.isEmpty() && finish.equals("stop")) {
                finish = "tool_calls";
            }
            return new ChatResult(content.toString(), finish, usage, model, calls);
        }
    }

    public static ChatResult fromGeminiResponse(String upstream, JsonObject body) {
        Answer answer = new Answer(upstream, piece -> { });
        read(body, answer);
        if (answer.finishReason == null && answer.content.isEmpty() && answer.calls.isEmpty()) {
            throw Status.INTERNAL.withDescription(upstream + " answered without a candidate").asRuntimeException();
        }
        return answer.result();
    }

    /**
     * Google's error JSON: {@code {"error": {"code": 429, "message": ..., "status": "RESOURCE_EXHAUSTED",
     * "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]}}}.
     */
    public static StatusRuntimeException error(String upstream, int httpStatus, String body, String retryAfter) {
        String message = UpstreamErrors.bodyStart(body);
        long retryMs = UpstreamErrors.retryAfterHeader(retryAfter, null);
        try {
            Object parsed = body.strip().startsWith("[") ? new JsonArray(body).getValue(0) : new JsonObject(body);
            JsonObject error = parsed instanceof JsonObject o ? o.getJsonObject("error") : null;
            if (error != null && error.getString("message") != null) {
                message = error.getString("status", "error") + ": " + error.getString("message");
                JsonArray details = error.getJsonArray("details", new JsonArray());
                for (int i = 0; i < details.size(); i++) {
                    if (details.getValue(i) instanceof JsonObject d && String.valueOf(d.getString("@type"))
                            .endsWith("google.rpc.RetryInfo") && d.getString("retryDelay") != null) {
                        retryMs = durationMillis(d.getString("retryDelay"));
                    }
                }
            }
        } catch (DecodeException | ClassCastException | IndexOutOfBoundsException e) {
            // not Google's error JSON: keep the start of the body
        }
        return UpstreamErrors.http(upstream, httpStatus, message, retryMs);
    }

    /** A protobuf Duration in JSON ("20s", "1.5s"), in milliseconds; negative when unreadable. */
    static long durationMillis(String duration) {
        if (!duration.endsWith("s")) {
            return -1;
        }
        try {
            return Math.max(0, (long) (Double.parseDouble(duration.substring(0, duration.length() - 1)) * 1000));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
