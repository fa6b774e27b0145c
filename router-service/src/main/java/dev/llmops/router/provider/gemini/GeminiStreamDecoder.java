package dev.llmops.router.provider.gemini;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.StreamDecoder;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * Gemini's {@code streamGenerateContent?alt=sse}: every event is a GenerateContentResponse chunk; the last one
 * carries the finish reason and the usage. There is no end marker: the answer is whole when a finish reason came
 * before the stream ended.
 */
final class GeminiStreamDecoder implements StreamDecoder {
    private final GeminiWire.Answer answer;

    GeminiStreamDecoder(String upstream, Consumer<String> deltas) {
        this.answer = new GeminiWire.Answer(upstream, deltas);
    }

    @Override
    public void onEvent(String event, String data) {
        GeminiWire.read(new JsonObject(data), answer);
    }

    @Override
    public boolean complete() {
        return answer.finishReason != null;
    }

    @Override
    public ChatResult result() {
        return answer.result();
    }
}
