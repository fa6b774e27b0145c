package dev.llmops.router.provider.openai;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.StreamDecoder;
import dev.llmops.router.provider.ToolCalls;
import dev.llmops.router.provider.UpstreamErrors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import llmops.common.v1.TokenUsage;
import llmops.common.v1.ToolCall;

/**
 * OpenAI's chat.completion.chunk events: content deltas, tool-call deltas (by index: id and name first, then
 * argument pieces), a finish_reason, the usage chunk (asked for with stream_options.include_usage), then [DONE].
 */
final class OpenAiStreamDecoder implements StreamDecoder {
    private final String upstream;
    private final Consumer<String> deltas;
    private final StringBuilder content = new StringBuilder();
    private final TreeMap<Integer, PendingCall> calls = new TreeMap<>();
    private String finishReason;
    private String model = "";
    private TokenUsage usage = TokenUsage.getDefaultInstance();
    private boolean done;
    private boolean usageSeen;

    OpenAiStreamDecoder(String upstream, Consumer<String> deltas) {
        this.upstream = upstream;
        this.deltas = deltas;
    }

    private static final class PendingCall {
        String id;
        String name = "";
        final StringBuilder arguments = new StringBuilder();
    }

    @Override
    public void onEvent(String event, String data) {
        if (data.strip().equals("[DONE]")) {
            done = true;
            return;
        }
        JsonObject chunk = new JsonObject(data);
        if (chunk.getValue("error") instanceof JsonObject error) {
            throw UpstreamErrors.midStream(upstream, error.getString("message", "no message"));
        }
        model = chunk.getString("model", model);
        if (chunk.getValue("usage") instanceof JsonObject u) {
            usage = OpenAiWire.usage(u);
            usageSeen = true;
        }
        JsonArray choices = chunk.getJsonArray("choices");
        if (choices == null || choices.isEmpty()) {
            return;
        }
        JsonObject choice = choices.getJsonObject(0);
        JsonObject delta = choice.getJsonObject("delta");
        if (delta != null) {
            String piece = delta.getValue("content") instanceof String s ? s : null;
            if (piece != null && !piece.isEmpty()) {
                content.append(piece);
                deltas.accept(piece);
            }
            JsonArray toolCalls = delta.getJsonArray("tool_calls");
            if (toolCalls != null) {
                for (int i = 0; i < toolCalls.size(); i++) {
                    JsonObject c = toolCalls.getJsonObject(i);
                    PendingCall call = calls.computeIfAbsent(c.getInteger("index", i), k -> new PendingCall());
                    if (c.getString("id") != null) {
                        call.id = c.getString("id");
                    }
                    JsonObject f = c.getJsonObject("function");
                    if (f != null) {
                        if (f.getString("name") != null) {
                            call.name += f.getString("name");
                        }
                        if (f.getValue("arguments") != null) {
                            call.arguments.append(OpenAiWire.arguments(f.getValue("arguments")));
                        }
                    }
                }
            }
        }
        if (choice.getString("finish_reason") != null) {
            finishReason = choice.getString("finish_reason");
        }
    }

    /** [DONE], or (for servers that end without it) a finish reason and the usage chunk. */
    @Override
    public boolean complete() {
        return done || (finishReason != null && usageSeen);
    }

    @Override
    public ChatResult result() {
        List<ToolCall> toolCalls = new ArrayList<>();
        for (PendingCall c : calls.values()) {
            toolCalls.add(ToolCall.newBuilder().setId(c.id == null ? ToolCalls.newId() : c.id).setName(c.name)
                    .setArguments(c.arguments.length() == 0 ? "{}" : c.arguments.toString()).build());
        }
        String finish = finishReason != null ? finishReason : toolCalls.isEmpty() ? "stop" : "tool_calls";
        return new ChatResult(content.toString(), finish, usage, model, toolCalls);
    }
}
