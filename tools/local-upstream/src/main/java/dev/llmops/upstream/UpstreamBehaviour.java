package dev.llmops.upstream;

import io.vertx.core.json.JsonObject;

/**
 * How the local upstream answers. Immutable; the server swaps the whole value when it is reconfigured at run time
 * ({@code POST /_upstream/config}), so a request always sees one consistent behaviour.
 *
 * @param answer            fixed answer text; empty means echo mode ("Echo: " + the last user message)
 * @param latencyMs         delay before the response (before the first chunk when streaming)
 * @param chunkDelayMs      delay between stream chunks
 * @param promptTokens      reported prompt tokens; negative means count words of the prompt
 * @param completionTokens  reported completion tokens; negative means count words of the answer
 * @param errorRate         share of requests, in [0, 1], answered with {@code errorStatus}
 * @param errorStatus       HTTP status of the injected errors (500, 429, 503...)
 * @param retryAfterSeconds sent as Retry-After with injected 429/503 errors when positive
 * @param model             the model name reported back; empty means echo the requested model
 * @param cutAfterChunks    when non-negative, a stream is cut (connection closed, no [DONE]) after that many chunks
 */
public record UpstreamBehaviour(String answer, long latencyMs, long chunkDelayMs, int promptTokens,
                                int completionTokens, double errorRate, int errorStatus, int retryAfterSeconds,
                                String model, int cutAfterChunks) {

    public static UpstreamBehaviour defaults() {
        return new UpstreamBehaviour("", 0, 0, -1, -1, 0.0, 500, 0, "", -1);
    }

    /** This behaviour with the fields present in {@code json} replaced. */
    public UpstreamBehaviour with(JsonObject json) {
        return new UpstreamBehaviour(
                json.getString("answer", answer),
                json.getLong("latency_ms", latencyMs),
                json.getLong("chunk_delay_ms", chunkDelayMs),
                json.getInteger("prompt_tokens", promptTokens),
                json.getInteger("completion_tokens", completionTokens),
                json.getDouble("error_rate", errorRate),
                json.getInteger("error_status", errorStatus),
                json.getInteger("retry_after_seconds", retryAfterSeconds),
                json.getString("model", model),
                json.getInteger("cut_after_chunks", cutAfterChunks));
    }

    public JsonObject toJson() {
        return new JsonObject()
                .put("answer", answer)
                .put("latency_ms", latencyMs)
                .put("chunk_delay_ms", chunkDelayMs)
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("error_rate", errorRate)
                .put("error_status", errorStatus)
                .put("retry_after_seconds", retryAfterSeconds)
                .put("model", model)
                .put("cut_after_chunks", cutAfterChunks);
    }
}
