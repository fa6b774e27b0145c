package dev.llmops.router.provider;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.common.v1.ToolCall;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.Tool;
import llmops.router.v1.ToolChoice;
import llmops.router.v1.ToolChoiceMode;
import org.junit.jupiter.api.Test;

class ToolRulesTest {
    static final ChatMessage USER = ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("hi").build();
    static final Tool WEATHER = Tool.newBuilder().setName("get_weather").setParametersJsonSchema("{\"type\":\"object\"}").build();

    static String invalid(ChatRequest r) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ToolRules.validate(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        return e.getStatus().getDescription();
    }

    static ChatRequest.Builder request() {
        return ChatRequest.newBuilder().setModel("m").addMessages(USER);
    }

    @Test
    void aWellFormedToolConversationPasses() {
        ChatRequest r = request().addTools(WEATHER)
                .setToolChoice(ToolChoice.newBuilder().setMode(ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION).setFunctionName("get_weather"))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).addToolCalls(
                        ToolCall.newBuilder().setId("c1").setName("get_weather").setArguments("{\"city\":\"Oslo\"}")))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setToolCallId("c1").setContent("-3C"))
                .build();
        assertDoesNotThrow(() -> ToolRules.validate(r));
        assertTrue(ToolRules.usesTools(r));
        assertFalse(ToolRules.usesTools(request().build()));
    }

    @Test
    void everyMistakeIsNamed() {
        assertTrue(invalid(request().addTools(Tool.newBuilder().setName("get weather")).build()).contains("tools[0].function.name"));
        assertTrue(invalid(request().addTools(Tool.newBuilder().setName("")).build()).contains("1 to 64"));
        assertTrue(invalid(request().addTools(WEATHER).addTools(WEATHER).build()).contains("declared twice"));
        assertTrue(invalid(request().addTools(Tool.newBuilder().setName("f").setParametersJsonSchema("[1]")).build())
                .contains("parameters"));
        assertTrue(invalid(request().setToolChoice(ToolChoice.newBuilder().setMode(ToolChoiceMode.TOOL_CHOICE_MODE_REQUIRED))
                .build()).contains("declares no 'tools'"));
        assertTrue(invalid(request().addTools(WEATHER).setToolChoice(ToolChoice.newBuilder()
                .setMode(ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION).setFunctionName("other")).build()).contains("'other'"));
        assertTrue(invalid(request().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setContent("x")).build())
                .contains("tool_call_id"));
        assertTrue(invalid(request().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL).setToolCallId("nope")
                .setContent("x")).build()).contains("answers no tool call"));
        assertTrue(invalid(request().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT).addToolCalls(
                ToolCall.newBuilder().setId("c").setName("f").setArguments("not json"))).build()).contains("arguments"));
        assertTrue(invalid(request().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).addToolCalls(
                ToolCall.newBuilder().setId("c").setName("f"))).build()).contains("only assistant"));
    }
}
