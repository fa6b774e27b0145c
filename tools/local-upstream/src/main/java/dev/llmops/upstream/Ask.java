package dev.llmops.upstream;

import java.util.List;

/**
 * What a request asked, whatever its wire format: enough to pick the scenario and count tokens.
 *
 * @param model          the requested model
 * @param lastUserText   the text of the last user message (echoed back)
 * @param toolResult     the content of the last message when it is a tool result, else null
 * @param promptWords    words in every message's text, plus a per-message overhead
 * @param tools          names of the functions offered, in order
 * @param forcedTool     the function the request forces, "" when it forces some tool, null when none is forced
 * @param toolsDisabled  the request said the model must not call tools
 * @param jsonMode       the request asked for a JSON answer
 * @param stream         the request asked for a stream
 * @param includeUsage   (OpenAI) the stream should end with a usage chunk
 */
record Ask(String model, String lastUserText, String toolResult, int promptWords, List<String> tools,
           String forcedTool, boolean toolsDisabled, boolean jsonMode, boolean stream, boolean includeUsage) {
}
