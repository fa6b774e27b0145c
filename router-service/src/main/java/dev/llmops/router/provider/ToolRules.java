package dev.llmops.router.provider;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.common.v1.ToolCall;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoiceMode;

/**
 * What every provider needs of tools and tool calls, checked before anything is spent: the subset that OpenAI,
 * Anthropic and Gemini all accept, so a request that passes here is not rejected upstream for its tools.
 */
public final class ToolRules {
    static final int MAX_TOOLS = 128;
    static final int MAX_NAME = 64;

    private ToolRules() {
    }

    /** True when the request offers tools or its conversation holds tool calls or results (the cache skips it). */
    public static boolean usesTools(ChatRequest request) {
        if (request.getToolsCount() > 0) {
            return true;
        }
        for (ChatMessage m : request.getMessagesList()) {
            if (m.getToolCallsCount() > 0 || m.getRole() == Role.ROLE_TOOL) {
                return true;
            }
        }
        return false;
    }

    public static void validate(ChatRequest request) {
        if (request.getToolsCount() > MAX_TOOLS) {
            throw invalid("at most " + MAX_TOOLS + " tools, got " + request.getToolsCount());
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < request.getToolsCount(); i++) {
            Tool t = request.getTools(i);
            String where = "tools[" + i + "]";
            checkName(t.getName(), where + ".function.name");
            if (!names.add(t.getName())) {
                throw invalid(where + ".function.name '" + t.getName() + "' is declared twice");
            }
            if (!t.getParametersJsonSchema().isBlank() && !isObject(t.getParametersJsonSchema())) {
                throw invalid(where + ".function.parameters must be a JSON Schema object");
            }
        }
        ToolChoiceMode mode = request.getToolChoice().getMode();
        if (mode == ToolChoiceMode.UNRECOGNIZED) {
            throw invalid("'tool_choice' must be auto, none, required or a function");
        }
        if ((mode == ToolChoiceMode.TOOL_CHOICE_MODE_REQUIRED || mode == ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION)
                && request.getToolsCount() == 0) {
            throw invalid("'tool_choice' requires a tool call, but the request declares no 'tools'");
        }
        if (mode == ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION && !names.contains(request.getToolChoice().getFunctionName())) {
            throw invalid("'tool_choice' names function '" + request.getToolChoice().getFunctionName()
                    + "', which is not among the declared tools " + names);
        }
        Set<String> callIds = new HashSet<>();
        for (int i = 0; i < request.getMessagesCount(); i++) {
            ChatMessage m = request.getMessages(i);
            String where = "messages[" + i + "]";
            if (m.getToolCallsCount() > 0 && m.getRole() != Role.ROLE_ASSISTANT) {
                throw invalid(where + ": only assistant messages carry 'tool_calls'");
            }
            for (int j = 0; j < m.getToolCallsCount(); j++) {
                ToolCall c = m.getToolCalls(j);
                String at = where + ".tool_calls[" + j + "]";
                if (c.getId().isEmpty()) {
                    throw invalid(at + ".id is required (the id the model gave the call)");
                }
                checkName(c.getName(), at + ".function.name");
                if (!c.getArguments().isBlank() && !isObject(c.getArguments())) {
                    throw invalid(at + ".function.arguments must be a JSON object, as text");
                }
                callIds.add(c.getId());
            }
            if (m.getRole() == Role.ROLE_TOOL) {
                if (m.getToolCallId().isEmpty()) {
                    throw invalid(where + ": a tool message needs 'tool_call_id', the id of the call it answers");
                }
                if (!callIds.contains(m.getToolCallId())) {
                    throw invalid(where + ".tool_call_id '" + m.getToolCallId()
                            + "' answers no tool call of an earlier assistant message");
                }
            }
        }
    }

    /** a-z, A-Z, 0-9, underscore and dash, 1 to 64 characters: what every provider accepts. */
    private static void checkName(String name, String where) {
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw invalid(where + " must be 1 to " + MAX_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (!ok) {
                throw invalid(where + " '" + name + "' may hold only letters, digits, '_' and '-'");
            }
        }
    }

    private static boolean isObject(String json) {
        try {
            new JsonObject(json);
            return true;
        } catch (DecodeException | ClassCastException e) {
            return false;
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
