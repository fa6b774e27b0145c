package dev.llmops.router.provider.anthropic;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.StreamDecoder;
import dev.llmops.router.provider.ToolCalls;
import dev.llmops.router.provider.UpstreamErrors;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import llmops.common.v1.ToolCall;

/**
 * Anthropic's stream: message_start (model, input and cache usage), content_block_start / content_block_delta
 * (text_delta, input_json_delta) / content_block_stop, message_delta (stop_reason, cumulative output usage),
 * message_stop; ping events; an error event fails the stream.
 */
final class AnthropicStreamDecoder implements StreamDecoder {
    private final String upstream;
    private final Consumer<String> deltas;
    private final StringBuilder content = new StringBuilder();
    private final TreeMap<Integer, Block> toolBlocks = new TreeMap<>();
    private String model = "";
    private String stopReason;
    private long input;
    private long output;
    private long cacheRead;
    private long cacheWrite;
    private boolean stopped;

    AnthropicStreamDecoder(String upstream, Consumer<String> deltas) {
        this.upstream = upstream;
        this.deltas = deltas;
    }

    /** A tool_use block being streamed; the JSON-mode tool's input is the answer's content instead. */
    private static final class Block {
        String id;
        String name;
        boolean json;
        final StringBuilder input = new StringBuilder();
    }

    @Override
    public void onEvent(String event, String data) {
        JsonObject e = new JsonObject(data);
        String type = e.getString("type", event);
        switch (type) {
            case "message_start" -> {
                JsonObject message = e.getJsonObject("message", new JsonObject());
                model = message.getString("model", model);
                usage(message.getJsonObject("usage"));
            }
            case "content_block_start" -> {
                JsonObject block = e.getJsonObject("content_block", new JsonObject());
                if ("tool_use".equals(block.getString("type"))) {
                    Block b = new Block();
                    b.id = block.getString("id");
                    b.name = block.getString("name", "");
                    b.json = AnthropicWire.JSON_TOOL.equals(b.name);
                    toolBlocks.put(e.getInteger("index", toolBlocks.size()), b);
                } else if ("text".equals(block.getString("type")) && !block.getString("text", "").isEmpty()) {
                    text(block.getString("text"));
                }
            }
            case "content_block_delta" -> {
                JsonObject delta = e.getJsonObject("delta", new JsonObject());
                String deltaType = delta.getString("type", "");
                if (deltaType.equals("text_delta")) {
                    text(delta.getString("text", ""));
                } else if (deltaType.equals("input_json_delta")) {
                    Block b = toolBlocks.get(e.getInteger("index", -1));
                    String piece = delta.getString("partial_json", "");
                    if (b != null && b.json) {
                        text(piece); // JSON mode: the tool's input is the answer, streamed as content
                    } else if (b != null) {
                        b.input.append(piece);
                    }
                }
            }
            case "message_delta" -> {
                JsonObject delta = e.getJsonObject("delta", new JsonObject());
                if (delta.getString("stop_reason") != null) {
                    stopReason = delta.getString("stop_reason");
                }
                usage(e.getJsonObject("usage"));
            }
            case "message_stop" -> stopped = true;
            case "error" -> {
                JsonObject error = e.getJsonObject("error", new JsonObject());
                throw UpstreamErrors.midStream(upstream, error.getString("type", "error") + ": "
                        + error.getString("message", "no message"));
            }
            default -> {
                // ping, content_block_stop, and event types added later
            }
        }
    }

    private void text(String piece) {
        if (!piece.isEmpty()) {
            content.append(piece);
            deltas.accept(piece);
        }
    }

    /** message_start carries the input side; message_delta the cumulative output (and, lately, input) counts. */
    private void usage(JsonObject u) {
        if (u == null) {
            return;
        }
        input = u.getLong("input_tokens", input);
        output = u.getLong("output_tokens", output);
        cacheRead = u.getLong("cache_read_input_tokens", cacheRead);
        cacheWrite = u.getLong("cache_creation_input_tokens", cacheWrite);
    }

    @Override
    public boolean complete() {
        return stopped;
    }

    @Override
    public ChatResult result() {
        List<ToolCall> calls = new ArrayList<>();
        boolean json = false;
        for (Block b : toolBlocks.values()) {
            if (b.json) {
                json = true;
                continue;
            }
            calls.add(ToolCall.newBuilder().setId(b.id == null ? ToolCalls.newId() : b.id).setName(b.name)
                    .setArguments(b.input.length() == 0 ? "{}" : b.input.toString()).build());
        }
        return new ChatResult(content.toString(), AnthropicWire.finishReason(stopReason, !calls.isEmpty(), json),
                AnthropicWire.usage(input, output, cacheRead, cacheWrite), model, calls);
    }
}
