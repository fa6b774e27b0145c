package dev.llmops.upstream;

import io.vertx.core.json.JsonObject;

/**
 * How the local upstream answers, in every wire format. Immutable; the server swaps the whole value when it is
 * reconfigured at run time ({@code POST /_upstream/config}), so a request always sees one consistent behaviour.
 *
 * @param answer            fixed answer text; empty means echo mode ("Echo: " + the last user message)
 * @param latencyMs         delay before the response (before the first chunk when streaming)
 * @param chunkDelayMs      delay between stream chunks
 * @param promptTokens      reported prompt tokens (cache reads and writes included); negative means count words
 * @param completionTokens  reported completion tokens; negative means count words of the answer
 * @param errorRate         share of requests, in [0, 1], answered with {@code errorStatus}
 * @param errorStatus       HTTP status of the injected errors (400, 401, 429, 500, 503, 529...)
 * @param retryAfterSeconds the retry delay sent with injected errors when positive (Retry-After on 429/503/529,
 *                          RetryInfo in Gemini's error JSON)
 * @param model             the model name reported back; empty means echo the requested model
 * @param cutAfterChunks    when non-negative, a stream is cut (connection closed, no clean end) after that many events
 * @param toolCalls         when the request offers tools, call one even if it does not force it
 * @param toolArguments     the arguments of those calls, as JSON object text; empty means {"input": last user text}
 * @param cacheReadTokens   prompt tokens reported as read from the provider's prompt cache
 * @param cacheWriteTokens  prompt tokens reported as written to it (Anthropic)
 * @param requireApiKey     when set, requests must carry this key in their format's header or get 401
 */
public record UpstreamBehaviour(String answer, long latencyMs, long chunkDelayMs, int promptTokens,
                                int completionTokens, double errorRate, int errorStatus, int retryAfterSeconds,
                                String model, int cutAfterChunks, boolean toolCalls, String toolArguments,
                                int cacheReadTokens, int cacheWriteTokens, String requireApiKey) {

    public static UpstreamBehaviour defaults() {
        return new UpstreamBehaviour("", 0, 0, -1, -1, 0.0, 500, 0, "", -1, false, "", 0, 0, "");
    }

    /** This behaviour with the fields present in {@code json} replaced. */
    public UpstreamBehaviour with(JsonObject json) {
        String args = json.getString("tool_arguments", toolArguments);
        if (!args.isEmpty()) {
            new JsonObject(args); // fails now, not on the first request
        }
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
                json.getInteger("cut_after_chunks", cutAfterChunks),
                json.getBoolean("tool_calls", toolCalls),
                args,
                json.getInteger("cache_read_tokens", cacheReadTokens),
                json.getInteger("cache_write_tokens", cacheWriteTokens),
                json.getString("require_api_key", requireApiKey));
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
                .put("cut_after_chunks", cutAfterChunks)
                .put("tool_calls", toolCalls)
                .put("tool_arguments", toolArguments)
                .put("cache_read_tokens", cacheReadTokens)
                .put("cache_write_tokens", cacheWriteTokens)
                .put("require_api_key", requireApiKey.isEmpty() ? "" : "(set)");
    }
}
