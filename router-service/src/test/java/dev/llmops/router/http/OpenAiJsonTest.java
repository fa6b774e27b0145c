package dev.llmops.router.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.common.v1.ToolCall;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ChatResponse;
import llmops.router.v1.FinishReason;
import llmops.router.v1.ToolChoiceMode;
import org.junit.jupiter.api.Test;

class OpenAiJsonTest {

    static String invalid(String json) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> OpenAiJson.parse(new JsonObject(json)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        return e.getStatus().getDescription();
    }

    @Test
    void parsesEveryFieldThatChangesTheAnswer() {
        OpenAiJson.Parsed p = OpenAiJson.parse(new JsonObject("""
                {"model": "gpt-4o-mini", "temperature": 0.5, "top_p": 0.9, "max_tokens": 100, "stop": "END",
                 "seed": 7, "user": "u1", "metadata": {"team": "search"}, "stream": true,
                 "stream_options": {"include_usage": true},
                 "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"},
                                     "strict": true, "description": "the answer as JSON"}},
                 "messages": [{"role": "system", "content": "be brief"},
                              {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}
                """));
        ChatRequest r = p.request();
        assertEquals("gpt-4o-mini", r.getModel());
        assertEquals(0.5, r.getParameters().getTemperature());
        assertEquals(0.9, r.getParameters().getTopP());
        assertEquals(100, r.getParameters().getMaxTokens());
        assertEquals("END", r.getParameters().getStop(0));
        assertEquals(7, r.getParameters().getSeed());
        assertEquals(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA, r.getParameters().getResponseFormat().getType());
        assertEquals("answer", r.getParameters().getResponseFormat().getSchemaName());
        assertTrue(r.getParameters().getResponseFormat().getStrict());
        assertEquals("the answer as JSON", r.getParameters().getResponseFormat().getDescription());
        assertEquals("u1", r.getUser());
        assertEquals("search", r.getTagsMap().get("team"));
        assertEquals(Role.ROLE_SYSTEM, r.getMessages(0).getRole());
        assertEquals("a\nb", r.getMessages(1).getContent());
        assertTrue(p.stream());
        assertTrue(p.includeUsage());
    }

    @Test
    void theLlmopsExtensionCarriesContextDocuments() {
        ChatRequest r = OpenAiJson.parse(new JsonObject("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                 "llmops": {"context_documents": [{"id": "kb-1", "content": "Paris is in France."}, {"content": "x"}]}}
                """)).request();
        assertEquals(2, r.getContextDocumentsCount());
        assertEquals("kb-1", r.getContextDocuments(0).getId());
        assertEquals("Paris is in France.", r.getContextDocuments(0).getContent());
        assertEquals("", r.getContextDocuments(1).getId());
        assertTrue(invalid("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "llmops": {"documents": []}}""")
                .contains("'llmops.documents' is not a known field"));
        assertTrue(invalid("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                 "llmops": {"context_documents": [{"id": 1, "content": "x"}]}}""")
                .contains("llmops.context_documents[0].id"));
    }

    @Test
    void unsetParametersStayUnset() {
        ChatRequest r = OpenAiJson.parse(new JsonObject("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}]}""")).request();
        assertFalse(r.getParameters().hasTemperature());
        assertFalse(r.getParameters().hasMaxTokens());
    }

    @Test
    void everyMalformedFieldIsNamed() {
        assertTrue(invalid("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").contains("'model'"));
        assertTrue(invalid("{\"model\": \"m\"}").contains("'messages'"));
        assertTrue(invalid("{\"model\": \"m\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}")
                .contains("messages[0].role"));
        assertTrue(invalid("{\"model\": \"m\", \"temperature\": \"hot\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("'temperature'"));
        assertTrue(invalid("{\"model\": \"m\", \"max_tokens\": 1.5, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("'max_tokens'"));
        assertTrue(invalid("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}")
                .contains("messages[0].content[0]"));
        assertTrue(invalid("{\"model\": 5, \"messages\": []}").contains("'model' must be a string"));
        for (String field : new String[] {"\"strict\": \"yes\"", "\"description\": 3", "\"name\": false"}) {
            String name = field.substring(1, field.indexOf('"', 1));
            assertTrue(invalid("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                    + "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {}, " + field + "}}}")
                    .contains("'response_format.json_schema." + name + "'"), field);
        }
        assertTrue(invalid("{\"model\": \"m\", \"n\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("n"));
    }

    @Test
    void toolsToolChoiceAndToolMessagesPassThrough() {
        ChatRequest r = OpenAiJson.parse(new JsonObject("""
                {"model": "m", "parallel_tool_calls": false,
                 "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}}],
                 "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                 "messages": [{"role": "user", "content": "weather in Oslo?"},
                              {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                                 "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Oslo\\"}"}}]},
                              {"role": "tool", "tool_call_id": "call_1", "content": "-3C"}]}""")).request();
        assertEquals("get_weather", r.getTools(0).getName());
        assertEquals("Weather", r.getTools(0).getDescription());
        assertEquals("object", new JsonObject(r.getTools(0).getParametersJsonSchema()).getString("type"));
        assertTrue(r.getTools(0).getStrict());
        assertEquals(ToolChoiceMode.TOOL_CHOICE_MODE_FUNCTION, r.getToolChoice().getMode());
        assertEquals("get_weather", r.getToolChoice().getFunctionName());
        assertFalse(r.getParallelToolCalls());
        assertEquals("", r.getMessages(1).getContent());
        assertEquals("call_1", r.getMessages(1).getToolCalls(0).getId());
        assertEquals("{\"city\":\"Oslo\"}", r.getMessages(1).getToolCalls(0).getArguments());
        assertEquals("call_1", r.getMessages(2).getToolCallId());
        assertEquals(ToolChoiceMode.TOOL_CHOICE_MODE_REQUIRED, OpenAiJson.parse(new JsonObject("""
                {"model": "m", "tool_choice": "required", "tools": [{"type": "function", "function": {"name": "f"}}],
                 "messages": [{"role": "user", "content": "x"}]}""")).request().getToolChoice().getMode());
    }

    @Test
    void malformedToolsAreNamed() {
        assertTrue(invalid("{\"model\": \"m\", \"functions\": [], \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("'tools'"));
        assertTrue(invalid("{\"model\": \"m\", \"tools\": [{\"type\": \"code_interpreter\"}], \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("tools[0]"));
        assertTrue(invalid("{\"model\": \"m\", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": 3}}], \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("tools[0].function.parameters"));
        assertTrue(invalid("{\"model\": \"m\", \"tool_choice\": \"always\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("'tool_choice'"));
        assertTrue(invalid("{\"model\": \"m\", \"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c\", \"function\": {\"name\": \"f\", \"arguments\": {}}}]}]}")
                .contains("messages[0].tool_calls[0].function.arguments"));
    }

    @Test
    void aToolCallAnswerHasNullContentAndTheCallsInOpenAiShape() {
        ChatResponse r = ChatResponse.newBuilder().setRequestId("r1").setModel("m")
                .setFinishReason(FinishReason.FINISH_REASON_TOOL_CALLS)
                .addToolCalls(ToolCall.newBuilder().setId("call_9").setName("get_weather").setArguments("{\"city\":\"Oslo\"}"))
                .build();
        JsonObject message = OpenAiJson.completion(r, 0).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
        assertTrue(message.containsKey("content") && message.getValue("content") == null);
        JsonObject call = message.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals("call_9", call.getString("id"));
        assertEquals("function", call.getString("type"));
        assertEquals("get_weather", call.getJsonObject("function").getString("name"));
        assertEquals("{\"city\":\"Oslo\"}", call.getJsonObject("function").getString("arguments"));
        assertEquals("tool_calls", OpenAiJson.completion(r, 0).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    }
}
