package dev.llmops.router.provider.openai;

import dev.llmops.router.ChatResult;
import dev.llmops.router.provider.ProviderCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.Role;
import llmops.common.v1.TokenUsage;

/** OpenAI chat-completions wire types and converters. */
public final class OpenAiWire {
    private OpenAiWire() {
    }

    public static JsonObject toOpenAiRequest(ProviderCall call, boolean stream) {
        JsonArray messages = new JsonArray();
        for (ChatMessage m : call.messages()) {
            JsonObject msg = new JsonObject().put("role", roleName(m.getRole())).put("content", m.getContent());
            if (!m.getName().isEmpty()) {
                msg.put("name", m.getName());
            }
            messages.add(msg);
        }
        JsonObject body = new JsonObject().put("model", call.route().upstreamModel()).put("messages", messages);
        GenerationParameters p = call.parameters();
        if (p.hasTemperature()) {
            body.put("temperature", p.getTemperature());
        }
        if (p.hasTopP()) {
            body.put("top_p", p.getTopP());
        }
        if (p.hasMaxTokens()) {
            body.put("max_tokens", p.getMaxTokens());
        }
        if (p.getStopCount() > 0) {
            body.put("stop", new JsonArray(p.getStopList()));
        }
        if (p.hasSeed()) {
            body.put("seed", p.getSeed());
        }
        JsonObject format = responseFormat(p.getResponseFormat());
        if (format != null) {
            body.put("response_format", format);
        }
        if (!call.user().isEmpty()) {
            body.put("user", call.user());
        }
        if (stream) {
            body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
        }
        return body;
    }

    private static JsonObject responseFormat(ResponseFormat f) {
        return switch (f.getType()) {
            case RESPONSE_FORMAT_TYPE_TEXT -> new JsonObject().put("type", "text");
            case RESPONSE_FORMAT_TYPE_JSON_OBJECT -> new JsonObject().put("type", "json_object");
            case RESPONSE_FORMAT_TYPE_JSON_SCHEMA -> new JsonObject().put("type", "json_schema")
                    .put("json_schema", new JsonObject().put("name", f.getSchemaName().isEmpty() ? "response" : f.getSchemaName())
                            .put("schema", new JsonObject(f.getJsonSchema())));
            default -> null;
        };
    }

    public static String roleName(Role role) {
        return switch (role) {
            case ROLE_SYSTEM -> "system";
            case ROLE_USER -> "user";
            case ROLE_ASSISTANT -> "assistant";
            case ROLE_TOOL -> "tool";
            case ROLE_DEVELOPER -> "developer";
            default -> throw Status.INVALID_ARGUMENT.withDescription("message role must be set").asRuntimeException();
        };
    }

    public static ChatResult fromOpenAiResponse(JsonObject body) {
        JsonArray choices = body.getJsonArray("choices");
        if (choices == null || choices.isEmpty()) {
            throw Status.INTERNAL.withDescription("the upstream answered without choices").asRuntimeException();
        }
        JsonObject choice = choices.getJsonObject(0);
        JsonObject message = choice.getJsonObject("message", new JsonObject());
        return new ChatResult(message.getString("content", ""), choice.getString("finish_reason", "stop"),
                usage(body.getJsonObject("usage")), body.getString("model", ""));
    }

    public static TokenUsage usage(JsonObject usage) {
        if (usage == null) {
            return TokenUsage.getDefaultInstance();
        }
        TokenUsage.Builder b = TokenUsage.newBuilder()
                .setPromptTokens(usage.getLong("prompt_tokens", 0L))
                .setCompletionTokens(usage.getLong("completion_tokens", 0L));
        JsonObject promptDetails = usage.getJsonObject("prompt_tokens_details");
        if (promptDetails != null) {
            b.setCachedPromptTokens(promptDetails.getLong("cached_tokens", 0L));
        }
        JsonObject completionDetails = usage.getJsonObject("completion_tokens_details");
        if (completionDetails != null) {
            b.setReasoningTokens(completionDetails.getLong("reasoning_tokens", 0L));
        }
        return b.build();
    }

    /** The gRPC status for an upstream HTTP error, with the upstream's own message when it sent OpenAI's error JSON. */
    public static StatusRuntimeException error(String upstream, int httpStatus, String body, String retryAfter) {
        String message = upstreamMessage(body);
        String detail = upstream + " answered HTTP " + httpStatus + (message.isEmpty() ? "" : ": " + message);
        Status status;
        if (httpStatus == 429) {
            status = Status.RESOURCE_EXHAUSTED.withDescription(detail + (retryAfter == null ? ""
                    : " (retry after " + retryAfter + " s)"));
        } else if (httpStatus == 400 || httpStatus == 404 || httpStatus == 413 || httpStatus == 422) {
            status = Status.INVALID_ARGUMENT.withDescription(detail);
        } else if (httpStatus == 401 || httpStatus == 403) {
            status = Status.UNAVAILABLE.withDescription(detail + " (the router's credential for this route was refused)");
        } else if (httpStatus == 408 || httpStatus == 504) {
            status = Status.DEADLINE_EXCEEDED.withDescription(detail);
        } else {
            status = Status.UNAVAILABLE.withDescription(detail);
        }
        return status.asRuntimeException();
    }

    private static String upstreamMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonObject error = new JsonObject(body).getJsonObject("error");
            if (error != null && error.getString("message") != null) {
                return error.getString("message");
            }
        } catch (DecodeException | ClassCastException e) {
            // not OpenAI's error JSON: show the start of the body
        }
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

}
