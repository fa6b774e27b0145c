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
import llmops.router.v1.ChatRequest;
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
                 "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}},
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
        assertEquals("u1", r.getUser());
        assertEquals("search", r.getTagsMap().get("team"));
        assertEquals(Role.ROLE_SYSTEM, r.getMessages(0).getRole());
        assertEquals("a\nb", r.getMessages(1).getContent());
        assertTrue(p.stream());
        assertTrue(p.includeUsage());
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
        assertTrue(invalid("{\"model\": \"m\", \"n\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .contains("n"));
    }
}
