package dev.llmops.upstream;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The answer to give, whatever the wire format.
 *
 * @param text             the answer text (empty when the model calls tools)
 * @param toolCalls        the function calls, in order
 * @param model            the model name to report
 * @param promptTokens     every prompt token, cache reads and writes included
 * @param completionTokens output tokens
 * @param cacheReadTokens  prompt tokens read from the prompt cache
 * @param cacheWriteTokens prompt tokens written to the prompt cache
 */
record Reply(String text, List<Call> toolCalls, String model, int promptTokens, int completionTokens,
             int cacheReadTokens, int cacheWriteTokens) {

    /** One function call. */
    record Call(String id, String name, JsonObject arguments) {
    }

    /**
     * The scenario for a request: a tool result is acknowledged; offered tools are called when the request forces
     * it or the behaviour says to; JSON mode answers a JSON object; otherwise the fixed answer or the echo.
     */
    static Reply to(Ask ask, UpstreamBehaviour b, long sequence) {
        String model = b.model().isEmpty() ? ask.model() : b.model();
        String text;
        List<Call> calls = List.of();
        if (ask.toolResult() != null) {
            text = "Tool result: " + ask.toolResult();
        } else if (!ask.tools().isEmpty() && !ask.toolsDisabled() && (ask.forcedTool() != null || b.toolCalls())) {
            String name = ask.forcedTool() != null && !ask.forcedTool().isEmpty() && ask.tools().contains(ask.forcedTool())
                    ? ask.forcedTool() : ask.tools().get(0);
            JsonObject args = b.toolArguments().isEmpty() ? new JsonObject().put("input", ask.lastUserText())
                    : new JsonObject(b.toolArguments());
            calls = List.of(new Call("call_local_" + sequence, name, args));
            text = "";
        } else if (ask.jsonMode()) {
            text = b.answer().isEmpty() ? new JsonObject().put("answer", "Echo: " + ask.lastUserText()).encode() : b.answer();
        } else {
            text = b.answer().isEmpty() ? "Echo: " + ask.lastUserText() : b.answer();
        }
        int prompt = b.promptTokens() >= 0 ? b.promptTokens() : ask.promptWords();
        int completion = b.completionTokens() >= 0 ? b.completionTokens()
                : LocalUpstream.words(text) + calls.stream().mapToInt(c -> LocalUpstream.words(c.arguments().encode()) + 1).sum();
        return new Reply(text, calls, model, prompt, completion, Math.min(prompt, b.cacheReadTokens()),
                Math.min(Math.max(0, prompt - b.cacheReadTokens()), b.cacheWriteTokens()));
    }
}
