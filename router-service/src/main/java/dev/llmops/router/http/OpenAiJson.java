package dev.llmops.router.http;

import dev.llmops.router.service.FinishReasons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Objects;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;
import llmops.common.v1.ToolCall;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ChatResponse;
import llmops.router.v1.ContextDocument;
import llmops.router.v1.GuardrailSummary;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoice;
import llmops.router.v1.ToolChoiceMode;

/** OpenAI's chat-completions JSON and our proto messages, both ways. Every parse error names the field to fix. */
public final class OpenAiJson {
    private static final Map<String, Role> ROLES = Map.of("system", Role.ROLE_SYSTEM, "user", Role.ROLE_USER,
            "assistant", Role.ROLE_ASSISTANT, "tool", Role.ROLE_TOOL, "developer", Role.ROLE_DEVELOPER);

    private OpenAiJson() {
    }

    /** A parsed request and the HTTP-only flags. */
    public record Parsed(ChatRequest request, boolean stream, boolean includeUsage) {
    }

    public static Parsed parse(JsonObject body) {
        ChatRequest.Builder request = ChatRequest.newBuilder().setModel(string(body, "model", true));
        Object messages = body.getValue("messages");
        if (!(messages instanceof JsonArray array) || array.isEmpty()) {
            throw invalid("'messages' must be a non-empty array of {role, content} objects");
        }
        for (int i = 0; i < array.size(); i++) {
            request.addMessages(message(array.getValue(i), i));
        }
        if (body.containsKey("functions") || body.containsKey("function_call")) {
            throw invalid("'functions' and 'function_call' are OpenAI's deprecated form: send 'tools' and 'tool_choice'");
        }
        tools(body, request);
        Object n = body.getValue("n");
        if (n != null && !(n instanceof Number num && num.intValue() == 1)) {
            throw invalid("only 'n': 1 is supported");
        }
        request.setParameters(parameters(body));
        String user = string(body, "user", false);
        if (user != null) {
            request.setUser(user);
        }
        if (body.getValue("metadata") != null) {
            if (!(body.getValue("metadata") instanceof JsonObject metadata)) {
                throw invalid("'metadata' must be an object of string values");
            }
            for (String key : metadata.fieldNames()) {
                if (!(metadata.getValue(key) instanceof String value)) {
                    throw invalid("'metadata." + key + "' must be a string");
                }
                request.putTags(key, value);
            }
        }
        extension(body, request);
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        if (body.getValue("stream_options") instanceof JsonObject options) {
            includeUsage = bool(options, "include_usage");
        }
        return new Parsed(request.build(), stream, includeUsage);
    }

    /**
     * Our request extension, beside OpenAI's fields: {@code "llmops": {"context_documents": [{"id", "content"}]}}, the
     * documents the answer must be grounded in (ChatRequest.context_documents over gRPC).
     */
    private static void extension(JsonObject body, ChatRequest.Builder request) {
        Object value = body.getValue("llmops");
        if (value == null) {
            return;
        }
        if (!(value instanceof JsonObject ext)) {
            throw invalid("'llmops' must be an object, e.g. {\"context_documents\": [{\"id\": ..., \"content\": ...}]}");
        }
        for (String field : ext.fieldNames()) {
            if (!field.equals("context_documents")) {
                throw invalid("'llmops." + field + "' is not a known field; known: context_documents");
            }
        }
        Object docs = ext.getValue("context_documents");
        if (docs == null) {
            return;
        }
        if (!(docs instanceof JsonArray list)) {
            throw invalid("'llmops.context_documents' must be an array of {\"id\", \"content\"} objects");
        }
        for (int i = 0; i < list.size(); i++) {
            String where = "llmops.context_documents[" + i + "]";
            if (!(list.getValue(i) instanceof JsonObject d) || !(d.getValue("content") instanceof String content)) {
                throw invalid("'" + where + "' must be an object with a string 'content' (and an optional 'id')");
            }
            Object id = d.getValue("id");
            if (id != null && !(id instanceof String)) {
                throw invalid("'" + where + ".id' must be a string");
            }
            request.addContextDocuments(ContextDocument.newBuilder().setId(id == null ? "" : (String) id)
                    .setContent(content));
        }
    }

    private static ChatMessage message(Object value, int index) {
        String where = "messages[" + index + "]";
        if (!(value instanceof JsonObject m)) {
            throw invalid(where + " must be an object with 'role' and 'content'");
        }
        Role role = m.getValue("role") instanceof String r ? ROLES.get(r) : null;
        if (role == null) {
            throw invalid(where + ".role must be one of " + ROLES.keySet());
        }
        ChatMessage.Builder b = ChatMessage.newBuilder().setRole(role).setContent(content(m.getValue("content"), where));
        if (m.getValue("name") instanceof String name) {
            b.setName(name);
        }
        Object calls = m.getValue("tool_calls");
        if (calls != null) {
            if (!(calls instanceof JsonArray list)) {
                throw invalid(where + ".tool_calls must be an array");
            }
            for (int i = 0; i < list.size(); i++) {
                b.addToolCalls(toolCall(list.getValue(i), where + ".tool_calls[" + i + "]"));
            }
        }
        Object callId = m.getValue("tool_call_id");
        if (callId != null) {
            if (!(callId instanceof String id)) {
                throw invalid(where + ".tool_call_id must be a string");
            }
            b.setToolCallId(id);
        }
        return b.build();
    }

    private static ToolCall toolCall(Object value, String where) {
        if (!(value instanceof JsonObject c) || !(c.getValue("function") instanceof JsonObject f)
                || !(f.getValue("name") instanceof String name)) {
            throw invalid(where + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
        }
        if (!(c.getValue("id") instanceof String id)) {
            throw invalid(where + ".id must be a string");
        }
        Object arguments = f.getValue("arguments");
        if (arguments != null && !(arguments instanceof String)) {
            throw invalid(where + ".function.arguments must be a string (JSON text)");
        }
        return ToolCall.newBuilder().setId(id).setName(name).setArguments(arguments == null ? "" : (String) arguments)
                .build();
    }

    /** OpenAI's {@code tools} (functions only), {@code tool_choice} and {@code parallel_tool_calls}. */
    private static void tools(JsonObject body, ChatRequest.Builder request) {
        Object tools = body.getValue("tools");
        if (tools != null) {
            if (!(tools instanceof JsonArray list)) {
                throw invalid("'tools' must be an array of {\"type\": \"function\", \"function\": {...}}");
            }
            for (int i = 0; i < list.size(); i++) {
                String where = "tools[" + i + "]";
                if (!(list.getValue(i) instanceof JsonObject t) || !"function".equals(t.getValue("type"))
                        || !(t.getValue("function") instanceof JsonObject f)) {
                    throw invalid(where + " must be {\"type\": \"function\", \"function\": {\"name\", \"parameters\"}}; "
                            + "only function tools are supported");
                }
                if (!(f.getValue("name") instanceof String name)) {
                    throw invalid(where + ".function.name must be a string");
                }
                Tool.Builder tool = Tool.newBuilder().setName(name);
                if (f.getValue("description") != null) {
                    if (!(f.getValue("description") instanceof String d)) {
                        throw invalid(where + ".function.description must be a string");
                    }
                    tool.setDescription(d);
                }
                if (f.getValue("parameters") != null) {
                    if (!(f.getValue("parameters") instanceof JsonObject schema)) {
                        throw invalid(where + ".function.parameters must be a JSON Schema object");
                    }
                    tool.setParametersJsonSchema(schema.encode());
                }
                if (f.getValue("strict") != null) {
                    if (!(f.getValue("strict") instanceof Boolean strict)) {
                        throw invalid(where + ".function.strict must be true or false");
                    }
                    tool.setStrict(strict);
                }
                request.addTools(tool);
            }
        }
        Object choice = body.getValue("tool_choice");
        if (choice instanceof String mode) {
            ToolChoiceMode m = switch (mode) {
                case "auto" -> ToolChoiceMode.TOOL_CHOICE_MODE_AUTO;
                case "none" -> ToolChoiceMode.TOOL_CHOICE_MODE_NONE;
                case "required" -> ToolChoiceMode.TOOL_CHOICE_MODE_REQUIRED;
                default -> throw invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", ...}");
            };
            request.setToolChoice(ToolChoice.newBuilder().setMode(m));
        } else if (choice instanceof JsonObject c) {
            if (!(c.getValue("function") instanceof JsonObject f) || !(f.getValue("name") instanceof String name)) {
                throw invalid("'tool_choice' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
            request.setToolChoice(ToolChoice.newBuilder().setMode(ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION)
                    .setFunctionName(name));
        } else if (choice != null) {
            throw invalid("'tool_choice' must be a string or an object");
        }
        Object parallel = body.getValue("parallel_tool_calls");
        if (parallel != null) {
            if (!(parallel instanceof Boolean p)) {
                throw invalid("'parallel_tool_calls' must be true or false");
            }
            request.setParallelToolCalls(p);
        }
    }

    /** Tool calls in OpenAI's message shape; with {@code index} for stream deltas. */
    public static JsonArray toolCalls(java.util.List<ToolCall> calls, boolean withIndex) {
        JsonArray out = new JsonArray();
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            JsonObject call = new JsonObject();
            if (withIndex) {
                call.put("index", i);
            }
            out.add(call.put("id", c.getId()).put("type", "function").put("function",
                    new JsonObject().put("name", c.getName()).put("arguments", c.getArguments())));
        }
        return out;
    }

    private static String content(Object content, String where) {
        if (content == null) {
            return "";
        }
        if (content instanceof String s) {
            return s;
        }
        if (content instanceof JsonArray parts) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                if (!(parts.getValue(i) instanceof JsonObject part) || !"text".equals(part.getValue("type"))
                        || !(part.getValue("text") instanceof String t)) {
                    throw invalid(where + ".content[" + i + "]: only {\"type\": \"text\", \"text\": ...} parts are supported");
                }
                text.append(text.isEmpty() ? "" : "\n").append(t);
            }
            return text.toString();
        }
        throw invalid(where + ".content must be a string or an array of text parts");
    }

    private static GenerationParameters parameters(JsonObject body) {
        GenerationParameters.Builder p = GenerationParameters.newBuilder();
        Double temperature = number(body, "temperature");
        if (temperature != null) {
            p.setTemperature(temperature);
        }
        Double topP = number(body, "top_p");
        if (topP != null) {
            p.setTopP(topP);
        }
        Long maxTokens = integer(body, body.containsKey("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        if (maxTokens != null) {
            if (maxTokens < 1 || maxTokens > Integer.MAX_VALUE) {
                throw invalid("'max_tokens' must be a positive integer");
            }
            p.setMaxTokens(maxTokens.intValue());
        }
        Long seed = integer(body, "seed");
        if (seed != null) {
            p.setSeed(seed);
        }
        Object stop = body.getValue("stop");
        if (stop instanceof String s) {
            p.addStop(s);
        } else if (stop instanceof JsonArray list) {
            for (Object s : list) {
                if (!(s instanceof String str)) {
                    throw invalid("'stop' must be a string or an array of strings");
                }
                p.addStop(str);
            }
        } else if (stop != null) {
            throw invalid("'stop' must be a string or an array of strings");
        }
        Object format = body.getValue("response_format");
        if (format != null) {
            p.setResponseFormat(responseFormat(format));
        }
        return p.build();
    }

    private static ResponseFormat responseFormat(Object value) {
        if (!(value instanceof JsonObject f) || !(f.getValue("type") instanceof String type)) {
            throw invalid("'response_format' must be an object with a 'type' of text, json_object or json_schema");
        }
        return switch (type) {
            case "text" -> ResponseFormat.newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_TEXT).build();
            case "json_object" -> ResponseFormat.newBuilder()
                    .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT).build();
            case "json_schema" -> {
                if (!(f.getValue("json_schema") instanceof JsonObject js) || !(js.getValue("schema") instanceof JsonObject schema)) {
                    throw invalid("'response_format.json_schema.schema' must be a JSON Schema object");
                }
                String at = "response_format.json_schema.";
                yield ResponseFormat.newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA)
                        .setJsonSchema(schema.encode())
                        .setSchemaName(Objects.requireNonNullElse(string(js, at, "name", false), ""))
                        .setStrict(bool(js, at, "strict"))
                        .setDescription(Objects.requireNonNullElse(string(js, at, "description", false), "")).build();
            }
            default -> throw invalid("'response_format.type' must be text, json_object or json_schema, got '" + type + "'");
        };
    }

    public static JsonObject completion(ChatResponse r, long created) {
        JsonObject message = new JsonObject().put("role", "assistant").put("content", r.getContent());
        if (r.getToolCallsCount() > 0) {
            message.put("content", r.getContent().isEmpty() ? null : r.getContent()); // as OpenAI: null beside calls
            message.put("tool_calls", toolCalls(r.getToolCallsList(), false));
        }
        return new JsonObject().put("id", "chatcmpl-" + r.getRequestId()).put("object", "chat.completion")
                .put("created", created).put("model", r.getModel())
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                        .put("finish_reason", FinishReasons.toOpenAi(r.getFinishReason()))))
                .put("usage", usage(r.getUsage()))
                .put("llmops", extension(r));
    }

    public static JsonObject chunk(String requestId, long created, String model, JsonObject delta, String finishReason) {
        return new JsonObject().put("id", "chatcmpl-" + requestId).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                        .put("finish_reason", finishReason)));
    }

    public static JsonObject usage(TokenUsage u) {
        return new JsonObject().put("prompt_tokens", u.getPromptTokens())
                .put("completion_tokens", u.getCompletionTokens())
                .put("total_tokens", u.getPromptTokens() + u.getCompletionTokens())
                .put("prompt_tokens_details", new JsonObject().put("cached_tokens", u.getCachedPromptTokens()))
                .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", u.getReasoningTokens()));
    }

    /** Our additions to OpenAI's shape; clients that do not know them ignore them. */
    public static JsonObject extension(ChatResponse r) {
        GuardrailSummary g = r.getGuardrail();
        return new JsonObject().put("request_id", r.getRequestId())
                .put("cost_nanos_usd", r.getCostNanosUsd())
                .put("cost_usd", usd(r.getCostNanosUsd()))
                .put("cache_hit", r.getCacheHit())
                .put("cache_tier", r.getCacheTier())
                .put("cache_similarity", r.getCacheSimilarity())
                .put("guardrail", new JsonObject()
                        .put("input_action", g.getInputAction().name().replace("GUARDRAIL_ACTION_", "").toLowerCase(java.util.Locale.ROOT))
                        .put("output_action", g.getOutputAction().name().replace("GUARDRAIL_ACTION_", "").toLowerCase(java.util.Locale.ROOT))
                        .put("finding_types", new JsonArray(g.getFindingTypesList())));
    }

    /** Nano-USD as an exact decimal string (display only). */
    public static String usd(long nanos) {
        return java.math.BigDecimal.valueOf(nanos, 9).toPlainString();
    }

    private static String string(JsonObject o, String field, boolean required) {
        return string(o, "", field, required);
    }

    /** @param at the path of {@code o} in the request, for the message (e.g. {@code "response_format.json_schema."}) */
    private static String string(JsonObject o, String at, String field, boolean required) {
        Object v = o.getValue(field);
        if (v == null) {
            if (required) {
                throw invalid("'" + at + field + "' is required");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw invalid("'" + at + field + "' must be a string");
        }
        return s;
    }

    private static Double number(JsonObject o, String field) {
        Object v = o.getValue(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw invalid("'" + field + "' must be a number");
        }
        return n.doubleValue();
    }

    private static Long integer(JsonObject o, String field) {
        Object v = o.getValue(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw invalid("'" + field + "' must be an integer");
        }
        return n.longValue();
    }

    private static boolean bool(JsonObject o, String field) {
        return bool(o, "", field);
    }

    /** @param at the path of {@code o} in the request, for the message */
    private static boolean bool(JsonObject o, String at, String field) {
        Object v = o.getValue(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw invalid("'" + at + field + "' must be true or false");
        }
        return b;
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
