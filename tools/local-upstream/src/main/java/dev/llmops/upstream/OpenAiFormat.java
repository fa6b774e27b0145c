package dev.llmops.upstream;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** OpenAI chat completions: {@code POST /v1/chat/completions}, {@code authorization: Bearer}. */
final class OpenAiFormat implements WireFormat {

    @Override
    public Ask parse(HttpServerRequest request, JsonObject body) {
        JsonArray messages = body.getValue("messages") instanceof JsonArray a ? a : null;
        if (messages == null || messages.isEmpty()) {
            throw new Rejected(400, "'messages' must be a non-empty array");
        }
        String lastUser = "";
        int words = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.getValue(i) instanceof JsonObject m)) {
                throw new Rejected(400, "messages[" + i + "] must be an object");
            }
            String role = m.getString("role", "");
            if (role.equals("tool") && m.getString("tool_call_id", "").isEmpty()) {
                throw new Rejected(400, "messages[" + i + "]: a tool message needs 'tool_call_id'");
            }
            if (m.getValue("tool_calls") instanceof JsonArray calls) {
                for (Object c : calls) {
                    if (!(c instanceof JsonObject call) || !(call.getJsonObject("function", new JsonObject())
                            .getValue("arguments") instanceof String)) {
                        throw new Rejected(400, "messages[" + i + "].tool_calls: arguments must be a JSON string");
                    }
                }
            }
            String text = m.getValue("content") instanceof String s ? s : "";
            if (role.equals("user")) {
                lastUser = text;
            }
            words += LocalUpstream.words(text) + 3; // per-message overhead, as OpenAI's token accounting adds
        }
        JsonObject last = messages.getJsonObject(messages.size() - 1);
        String toolResult = "tool".equals(last.getString("role")) ? last.getString("content", "") : null;
        List<String> tools = new ArrayList<>();
        if (body.getValue("tools") instanceof JsonArray t) {
            for (Object o : t) {
                if (!(o instanceof JsonObject tool) || !(tool.getValue("function") instanceof JsonObject f)
                        || f.getString("name") == null) {
                    throw new Rejected(400, "each of 'tools' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
                }
                tools.add(f.getString("name"));
            }
        }
        String forced = null;
        boolean disabled = false;
        Object choice = body.getValue("tool_choice");
        if ("required".equals(choice)) {
            forced = "";
        } else if ("none".equals(choice)) {
            disabled = true;
        } else if (choice instanceof JsonObject c) {
            forced = c.getJsonObject("function", new JsonObject()).getString("name", "");
        }
        String format = body.getValue("response_format") instanceof JsonObject f ? f.getString("type", "") : "";
        JsonObject options = body.getValue("stream_options") instanceof JsonObject o ? o : new JsonObject();
        return new Ask(body.getString("model", "local-echo"), lastUser, toolResult, words, tools, forced, disabled,
                format.equals("json_object") || format.equals("json_schema"), body.getBoolean("stream", false),
                options.getBoolean("include_usage", false));
    }

    @Override
    public String apiKey(HttpServerRequest request) {
        String auth = request.getHeader("authorization");
        return auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    }

    private static JsonObject usage(Reply r) {
        return new JsonObject().put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                .put("total_tokens", r.promptTokens() + r.completionTokens())
                .put("prompt_tokens_details", new JsonObject().put("cached_tokens", r.cacheReadTokens()));
    }

    private static JsonArray toolCalls(Reply r, boolean withIndex) {
        JsonArray calls = new JsonArray();
        for (int i = 0; i < r.toolCalls().size(); i++) {
            Reply.Call c = r.toolCalls().get(i);
            JsonObject call = new JsonObject().put("id", c.id()).put("type", "function").put("function",
                    new JsonObject().put("name", c.name()).put("arguments", c.arguments().encode()));
            calls.add(withIndex ? new JsonObject().put("index", i).mergeIn(call) : call);
        }
        return calls;
    }

    private static String finish(Reply r) {
        return r.toolCalls().isEmpty() ? "stop" : "tool_calls";
    }

    @Override
    public JsonObject response(Reply r, String id) {
        JsonObject message = new JsonObject().put("role", "assistant")
                .put("content", r.toolCalls().isEmpty() ? r.text() : null);
        if (!r.toolCalls().isEmpty()) {
            message.put("tool_calls", toolCalls(r, false));
        }
        return new JsonObject().put("id", id).put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", r.model())
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                        .put("finish_reason", finish(r))))
                .put("usage", usage(r));
    }

    @Override
    public List<String> events(Reply r, String id, Ask ask) {
        long created = System.currentTimeMillis() / 1000;
        List<String> events = new ArrayList<>();
        events.add(WireFormat.sse(chunk(id, created, r.model(), new JsonObject().put("role", "assistant").put("content", ""), null)));
        for (String piece : LocalUpstream.pieces(r.text())) {
            events.add(WireFormat.sse(chunk(id, created, r.model(), new JsonObject().put("content", piece), null)));
        }
        if (!r.toolCalls().isEmpty()) {
            // OpenAI sends a call's id and name first, then its arguments in pieces
            JsonArray calls = toolCalls(r, true);
            for (int i = 0; i < calls.size(); i++) {
                JsonObject call = calls.getJsonObject(i);
                String args = call.getJsonObject("function").getString("arguments");
                call.getJsonObject("function").put("arguments", "");
                events.add(WireFormat.sse(chunk(id, created, r.model(),
                        new JsonObject().put("tool_calls", new JsonArray().add(call)), null)));
                int half = args.length() / 2;
                for (String piece : new String[] {args.substring(0, half), args.substring(half)}) {
                    events.add(WireFormat.sse(chunk(id, created, r.model(), new JsonObject().put("tool_calls",
                            new JsonArray().add(new JsonObject().put("index", i)
                                    .put("function", new JsonObject().put("arguments", piece)))), null)));
                }
            }
        }
        events.add(WireFormat.sse(chunk(id, created, r.model(), new JsonObject(), finish(r))));
        if (ask.includeUsage()) {
            events.add(WireFormat.sse(new JsonObject().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", r.model()).put("choices", new JsonArray())
                    .put("usage", usage(r)).encode()));
        }
        events.add(WireFormat.sse("[DONE]"));
        return events;
    }

    private static String chunk(String id, long created, String model, JsonObject delta, String finishReason) {
        return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model)
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                        .put("finish_reason", finishReason)))
                .encode();
    }

    @Override
    public JsonObject error(int status, String message, int retryAfterSeconds) {
        String type = switch (status) {
            case 400, 404 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            default -> "server_error";
        };
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
                .putNull("param").put("code", String.valueOf(status)));
    }
}
