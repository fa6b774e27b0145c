package dev.llmops.upstream;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Anthropic Messages: {@code POST /v1/messages} with {@code x-api-key} and {@code anthropic-version}. Checks what
 * the real API checks and an adapter is most likely to get wrong: the version header, a required max_tokens, only
 * user and assistant turns starting with a user turn, temperature within 0..1, and tool results that answer a
 * tool_use of the turn before.
 */
final class AnthropicFormat implements WireFormat {

    @Override
    public Ask parse(HttpServerRequest request, JsonObject body) {
        if (request.getHeader("anthropic-version") == null) {
            throw new Rejected(400, "anthropic-version: header is required");
        }
        if (!(body.getValue("max_tokens") instanceof Number n) || n.intValue() < 1) {
            throw new Rejected(400, "max_tokens: Field required");
        }
        if (body.getValue("temperature") instanceof Number t && (t.doubleValue() < 0 || t.doubleValue() > 1)) {
            throw new Rejected(400, "temperature: Input should be less than or equal to 1");
        }
        JsonArray messages = body.getValue("messages") instanceof JsonArray a ? a : null;
        if (messages == null || messages.isEmpty()) {
            throw new Rejected(400, "messages: at least one message is required");
        }
        int words = body.getValue("system") instanceof String s ? LocalUpstream.words(s) + 3 : 0;
        String lastUser = "";
        String toolResult = null;
        Set<String> previousToolUses = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonObject m = messages.getValue(i) instanceof JsonObject o ? o : new JsonObject();
            String role = m.getString("role", "");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw new Rejected(400, "messages." + i + ".role: Input should be 'user' or 'assistant'");
            }
            if (i == 0 && !role.equals("user")) {
                throw new Rejected(400, "messages: first message must use the \"user\" role");
            }
            Set<String> toolUses = new HashSet<>();
            StringBuilder text = new StringBuilder();
            toolResult = null;
            Object content = m.getValue("content");
            if (content instanceof String s) {
                text.append(s);
            } else if (content instanceof JsonArray blocks) {
                for (int j = 0; j < blocks.size(); j++) {
                    JsonObject block = blocks.getJsonObject(j);
                    switch (block.getString("type", "")) {
                        case "text" -> {
                            if (block.getString("text", "").isEmpty()) {
                                throw new Rejected(400, "messages." + i + ".content." + j + ": text content blocks must be non-empty");
                            }
                            text.append(block.getString("text"));
                        }
                        case "tool_use" -> toolUses.add(block.getString("id"));
                        case "tool_result" -> {
                            if (!previousToolUses.contains(block.getString("tool_use_id"))) {
                                throw new Rejected(400, "messages." + i + ".content." + j
                                        + ": unexpected `tool_use_id` found in `tool_result` blocks: "
                                        + block.getString("tool_use_id")
                                        + ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.");
                            }
                            toolResult = block.getValue("content") instanceof String s ? s : String.valueOf(block.getValue("content"));
                        }
                        default -> throw new Rejected(400, "messages." + i + ".content." + j + ": unknown block type");
                    }
                }
            } else {
                throw new Rejected(400, "messages." + i + ".content: Field required");
            }
            if (role.equals("user") && !text.isEmpty()) {
                lastUser = text.toString();
            }
            words += LocalUpstream.words(text.toString()) + 3;
            previousToolUses = toolUses;
        }
        List<String> tools = new ArrayList<>();
        if (body.getValue("tools") instanceof JsonArray t) {
            for (Object o : t) {
                if (!(o instanceof JsonObject tool) || tool.getString("name") == null
                        || !(tool.getValue("input_schema") instanceof JsonObject)) {
                    throw new Rejected(400, "tools: each tool needs 'name' and 'input_schema'");
                }
                tools.add(tool.getString("name"));
            }
        }
        String forced = null;
        boolean disabled = false;
        if (body.getValue("tool_choice") instanceof JsonObject c) {
            switch (c.getString("type", "")) {
                case "any" -> forced = "";
                case "tool" -> forced = c.getString("name", "");
                case "none" -> disabled = true;
                default -> { }
            }
        }
        return new Ask(body.getString("model", "local-echo"), lastUser, toolResult, words, tools, forced, disabled,
                false, body.getBoolean("stream", false), true);
    }

    @Override
    public String apiKey(HttpServerRequest request) {
        return request.getHeader("x-api-key");
    }

    private static JsonObject usage(Reply r, boolean withOutput) {
        JsonObject u = new JsonObject()
                .put("input_tokens", Math.max(0, r.promptTokens() - r.cacheReadTokens() - r.cacheWriteTokens()))
                .put("cache_creation_input_tokens", r.cacheWriteTokens())
                .put("cache_read_input_tokens", r.cacheReadTokens());
        return u.put("output_tokens", withOutput ? r.completionTokens() : 1);
    }

    private static String stopReason(Reply r) {
        return r.toolCalls().isEmpty() ? "end_turn" : "tool_use";
    }

    @Override
    public JsonObject response(Reply r, String id) {
        JsonArray content = new JsonArray();
        if (!r.text().isEmpty()) {
            content.add(new JsonObject().put("type", "text").put("text", r.text()));
        }
        for (Reply.Call c : r.toolCalls()) {
            content.add(new JsonObject().put("type", "tool_use").put("id", "toolu_" + c.id()).put("name", c.name())
                    .put("input", c.arguments()));
        }
        return new JsonObject().put("id", id).put("type", "message").put("role", "assistant").put("model", r.model())
                .put("content", content).put("stop_reason", stopReason(r)).putNull("stop_sequence")
                .put("usage", usage(r, true));
    }

    @Override
    public List<String> events(Reply r, String id, Ask ask) {
        List<String> events = new ArrayList<>();
        events.add(WireFormat.sse("message_start", new JsonObject().put("type", "message_start").put("message",
                new JsonObject().put("id", id).put("type", "message").put("role", "assistant").put("model", r.model())
                        .put("content", new JsonArray()).putNull("stop_reason").putNull("stop_sequence")
                        .put("usage", usage(r, false))).encode()));
        int index = 0;
        if (!r.text().isEmpty()) {
            events.add(WireFormat.sse("content_block_start", new JsonObject().put("type", "content_block_start")
                    .put("index", index).put("content_block", new JsonObject().put("type", "text").put("text", ""))
                    .encode()));
            events.add(WireFormat.sse("ping", "{\"type\": \"ping\"}"));
            for (String piece : LocalUpstream.pieces(r.text())) {
                events.add(WireFormat.sse("content_block_delta", new JsonObject().put("type", "content_block_delta")
                        .put("index", index).put("delta", new JsonObject().put("type", "text_delta").put("text", piece))
                        .encode()));
            }
            events.add(WireFormat.sse("content_block_stop",
                    new JsonObject().put("type", "content_block_stop").put("index", index).encode()));
            index++;
        }
        for (Reply.Call c : r.toolCalls()) {
            events.add(WireFormat.sse("content_block_start", new JsonObject().put("type", "content_block_start")
                    .put("index", index).put("content_block", new JsonObject().put("type", "tool_use")
                            .put("id", "toolu_" + c.id()).put("name", c.name()).put("input", new JsonObject()))
                    .encode()));
            String args = c.arguments().encode();
            int half = args.length() / 2;
            for (String piece : new String[] {args.substring(0, half), args.substring(half)}) {
                events.add(WireFormat.sse("content_block_delta", new JsonObject().put("type", "content_block_delta")
                        .put("index", index).put("delta", new JsonObject().put("type", "input_json_delta")
                                .put("partial_json", piece)).encode()));
            }
            events.add(WireFormat.sse("content_block_stop",
                    new JsonObject().put("type", "content_block_stop").put("index", index).encode()));
            index++;
        }
        events.add(WireFormat.sse("message_delta", new JsonObject().put("type", "message_delta")
                .put("delta", new JsonObject().put("stop_reason", stopReason(r)).putNull("stop_sequence"))
                .put("usage", new JsonObject().put("output_tokens", r.completionTokens())).encode()));
        events.add(WireFormat.sse("message_stop", "{\"type\": \"message_stop\"}"));
        return events;
    }

    @Override
    public JsonObject error(int status, String message, int retryAfterSeconds) {
        String type = switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 529, 503 -> "overloaded_error";
            default -> "api_error";
        };
        return new JsonObject().put("type", "error")
                .put("error", new JsonObject().put("type", type).put("message", message));
    }

    @Override
    public boolean retryAfterHeader(int status) {
        return status == 429 || status == 529 || status == 503;
    }
}
