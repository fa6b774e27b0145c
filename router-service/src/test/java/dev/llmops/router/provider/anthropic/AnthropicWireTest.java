package dev.llmops.router.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.provider.ProviderCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.ToolCall;
import llmops.router.v1.Tool;
import org.junit.jupiter.api.Test;

class AnthropicWireTest {
    static final Route ROUTE = new Route("r", "anthropic", "http://x/v1", "claude", "", Duration.ofSeconds(1));

    static ChatMessage msg(Role role, String text) {
        return ChatMessage.newBuilder().setRole(role).setContent(text).build();
    }

    @Test
    void parallelToolResultsShareOneUserTurnAndSystemPromptsJoin() {
        ProviderCall call = new ProviderCall(ROUTE, List.of(msg(Role.ROLE_SYSTEM, "a"), msg(Role.ROLE_DEVELOPER, "b"),
                msg(Role.ROLE_USER, "weather?"),
                ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).setContent("checking")
                        .addToolCalls(ToolCall.newBuilder().setId("t1").setName("w").setArguments("{\"c\":\"Oslo\"}"))
                        .addToolCalls(ToolCall.newBuilder().setId("t2").setName("w").setArguments("{\"c\":\"Rome\"}")).build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setToolCallId("t1").setContent("-3C").build(),
                ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setToolCallId("t2").setContent("20C").build()),
                GenerationParameters.newBuilder().setTemperature(1.7).build(), "");
        JsonObject body = AnthropicWire.toAnthropicRequest(call, false, 777);
        assertEquals("a\n\nb", body.getString("system"));
        assertEquals(777, body.getInteger("max_tokens"));
        assertEquals(1.0, body.getDouble("temperature"));
        JsonArray messages = body.getJsonArray("messages");
        assertEquals(3, messages.size());
        assertEquals("weather?", messages.getJsonObject(0).getString("content"));
        JsonArray assistant = messages.getJsonObject(1).getJsonArray("content");
        assertEquals("text", assistant.getJsonObject(0).getString("type"));
        assertEquals(new JsonObject().put("c", "Rome"), assistant.getJsonObject(2).getJsonObject("input"));
        JsonArray results = messages.getJsonObject(2).getJsonArray("content");
        assertEquals(2, results.size());
        assertEquals("t2", results.getJsonObject(1).getString("tool_use_id"));
    }

    @Test
    void jsonModeIsAForcedToolWhoseInputIsTheContent() {
        ResponseFormat schema = ResponseFormat.newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA)
                .setJsonSchema("{\"type\":\"object\",\"required\":[\"x\"]}").build();
        ProviderCall alone = new ProviderCall(ROUTE, List.of(msg(Role.ROLE_USER, "q")),
                GenerationParameters.newBuilder().setResponseFormat(schema).build(), "");
        JsonObject body = AnthropicWire.toAnthropicRequest(alone, false, 10);
        assertEquals(AnthropicWire.JSON_TOOL, body.getJsonObject("tool_choice").getString("name"));
        assertEquals(new JsonArray().add("x"), body.getJsonArray("tools").getJsonObject(0)
                .getJsonObject("input_schema").getJsonArray("required"));
        ProviderCall withTools = new ProviderCall(ROUTE, alone.messages(), alone.parameters(), "",
                List.of(Tool.newBuilder().setName("f").build()), null, false);
        JsonObject both = AnthropicWire.toAnthropicRequest(withTools, false, 10);
        assertEquals("any", both.getJsonObject("tool_choice").getString("type"));
        assertTrue(both.getJsonObject("tool_choice").getBoolean("disable_parallel_tool_use"));
        assertEquals(2, both.getJsonArray("tools").size());

        ChatResult r = AnthropicWire.fromAnthropicResponse(new JsonObject("""
                {"type": "message", "model": "claude", "stop_reason": "tool_use",
                 "content": [{"type": "text", "text": "Here:"},
                             {"type": "tool_use", "id": "toolu_1", "name": "json_response", "input": {"x": 1}}],
                 "usage": {"input_tokens": 5, "output_tokens": 7, "cache_read_input_tokens": 100,
                           "cache_creation_input_tokens": 20}}"""));
        assertEquals("{\"x\":1}", r.content());
        assertEquals("stop", r.finishReason());
        assertTrue(r.toolCalls().isEmpty());
        assertEquals(125, r.usage().getPromptTokens());
        assertEquals(100, r.usage().getCachedPromptTokens());
        assertEquals(20, r.usage().getCacheWriteTokens());
    }

    @Test
    void anErrorEventMidStreamFailsWithItsMessage() {
        List<String> deltas = new ArrayList<>();
        AnthropicStreamDecoder d = new AnthropicStreamDecoder("upstream 'r'", deltas::add);
        d.onEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"model\":\"claude\",\"usage\":{\"input_tokens\":3}}}");
        d.onEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> d.onEvent("error",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("overloaded_error: Overloaded"));
        assertEquals(List.of("Hi"), deltas);
    }

    @Test
    void overloaded529IsUnavailableWithTheErrorType() {
        StatusRuntimeException e = AnthropicWire.error("upstream 'r'", 529,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}", "2");
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("HTTP 529: overloaded_error: Overloaded"));
    }
}
