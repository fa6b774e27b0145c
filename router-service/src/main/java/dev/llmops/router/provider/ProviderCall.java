package dev.llmops.router.provider;

import dev.llmops.router.Route;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;

/**
 * What an adapter sends upstream.
 *
 * @param route      where to, with which credential and deadline
 * @param messages   the conversation, as cleared by the input guardrail
 * @param parameters generation parameters
 * @param user       the caller's end-user id, passed on when set
 */
public record ProviderCall(Route route, List<ChatMessage> messages, GenerationParameters parameters, String user) {
}
