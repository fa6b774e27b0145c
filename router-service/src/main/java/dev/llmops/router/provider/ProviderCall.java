package dev.llmops.router.provider;

import dev.llmops.router.Route;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoice;

/**
 * What an adapter sends upstream.
 *
 * @param route             where to, with which credential and deadline
 * @param messages          the conversation, as cleared by the input guardrail
 * @param parameters        generation parameters
 * @param user              the caller's end-user id, passed on when set
 * @param tools             functions the model may call
 * @param toolChoice        whether and which tool the model must call (default instance: the provider's default)
 * @param parallelToolCalls false asks for at most one call per answer; null leaves it to the provider
 */
public record ProviderCall(Route route, List<ChatMessage> messages, GenerationParameters parameters, String user,
                           List<Tool> tools, ToolChoice toolChoice, Boolean parallelToolCalls) {

    public ProviderCall {
        tools = tools == null ? List.of() : tools;
        toolChoice = toolChoice == null ? ToolChoice.getDefaultInstance() : toolChoice;
    }

    /** A call without tools. */
    public ProviderCall(Route route, List<ChatMessage> messages, GenerationParameters parameters, String user) {
        this(route, messages, parameters, user, List.of(), null, null);
    }

    /** "upstream 'route' (base URL)", the prefix of every error message about this call. */
    public String upstream() {
        return "upstream '" + route.name() + "' (" + route.baseUrl() + ")";
    }
}
