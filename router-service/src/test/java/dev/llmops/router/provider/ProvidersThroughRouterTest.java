package dev.llmops.router.provider;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import dev.llmops.upstream.UpstreamBehaviour;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tools and JSON mode end to end: an OpenAI client talks to the router's HTTP API, the router talks to the local
 * upstream in each provider's own wire format; the client sees OpenAI's shape whichever provider served it.
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
@QuarkusTestResource(LocalUpstreamResource.class)
class ProvidersThroughRouterTest {
    static final String KEY = "Bearer sk-llmops-local-dev";
    static final JsonArray TOOLS = new JsonArray().add(new JsonObject().put("type", "function").put("function",
            new JsonObject().put("name", "get_weather").put("description", "Weather in a city").put("parameters",
                    new JsonObject().put("type", "object").put("properties", new JsonObject()
                            .put("city", new JsonObject().put("type", "string"))))));

    @BeforeEach
    void reset() {
        LocalUpstreamResource.upstream.reset();
        LocalUpstreamResource.upstream.behave(UpstreamBehaviour.defaults());
    }

    static Response post(JsonObject body) {
        return given().header("authorization", KEY).contentType("application/json").body(body.encode())
                .post("/v1/chat/completions");
    }

    static JsonObject ask(String model) {
        return new JsonObject().put("model", model).put("messages", new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", "be brief"))
                .add(new JsonObject().put("role", "user").put("content", "weather in Oslo?")));
    }

    /** The data events of an SSE body. */
    static List<JsonObject> events(String sse) {
        List<JsonObject> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(new JsonObject(line.substring(6)));
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic", "via-gemini"})
    void aToolCallAndItsResultRoundTripInOpenAiShape(String model) {
        LocalUpstreamResource.upstream.behave(UpstreamBehaviour.defaults()
                .with(new JsonObject().put("tool_arguments", "{\"city\":\"Oslo\"}")));
        Response first = post(ask(model).put("tools", TOOLS)
                .put("tool_choice", new JsonObject().put("type", "function")
                        .put("function", new JsonObject().put("name", "get_weather"))));
        assertEquals(200, first.statusCode(), first.asString());
        JsonObject choice = new JsonObject(first.asString()).getJsonArray("choices").getJsonObject(0);
        assertEquals("tool_calls", choice.getString("finish_reason"));
        JsonObject message = choice.getJsonObject("message");
        assertNull(message.getValue("content"));
        JsonObject call = message.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals("get_weather", call.getJsonObject("function").getString("name"));
        assertEquals(new JsonObject().put("city", "Oslo"), new JsonObject(call.getJsonObject("function").getString("arguments")));
        String id = call.getString("id");
        assertFalse(id.isEmpty());

        JsonObject followUp = ask(model).put("tools", TOOLS);
        followUp.getJsonArray("messages").add(message).add(new JsonObject().put("role", "tool")
                .put("tool_call_id", id).put("content", "-3C and snow"));
        Response second = post(followUp);
        assertEquals(200, second.statusCode(), second.asString());
        JsonObject answer = new JsonObject(second.asString()).getJsonArray("choices").getJsonObject(0);
        assertEquals("Tool result: -3C and snow", answer.getJsonObject("message").getString("content"));
        assertEquals("stop", answer.getString("finish_reason"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic", "via-gemini"})
    void aStreamedToolCallArrivesAsOneDeltaAndUsageOnlyWhenAsked(String model) {
        LocalUpstreamResource.upstream.behave(UpstreamBehaviour.defaults().with(new JsonObject()
                .put("tool_arguments", "{\"city\":\"Oslo\"}").put("prompt_tokens", 40).put("completion_tokens", 6)));
        JsonObject request = ask(model).put("tools", TOOLS).put("tool_choice", "required").put("stream", true);
        Response plain = post(request);
        assertEquals(200, plain.statusCode(), plain.asString());
        List<JsonObject> events = events(plain.asString());
        JsonObject callDelta = events.stream().map(e -> e.getJsonArray("choices"))
                .filter(c -> c != null && !c.isEmpty() && c.getJsonObject(0).getJsonObject("delta").containsKey("tool_calls"))
                .findFirst().orElseThrow().getJsonObject(0).getJsonObject("delta");
        JsonObject call = callDelta.getJsonArray("tool_calls").getJsonObject(0);
        assertEquals(0, call.getInteger("index"));
        assertEquals("get_weather", call.getJsonObject("function").getString("name"));
        assertEquals(new JsonObject().put("city", "Oslo"), new JsonObject(call.getJsonObject("function").getString("arguments")));
        assertTrue(events.stream().anyMatch(e -> !e.getJsonArray("choices").isEmpty()
                && "tool_calls".equals(e.getJsonArray("choices").getJsonObject(0).getString("finish_reason"))));
        assertTrue(events.stream().noneMatch(e -> e.containsKey("usage")), "no usage chunk unless asked");
        assertTrue(plain.asString().endsWith("data: [DONE]\n\n"));

        Response withUsage = post(request.copy().put("stream_options", new JsonObject().put("include_usage", true)));
        JsonObject usage = events(withUsage.asString()).stream().filter(e -> e.containsKey("usage")).findFirst()
                .orElseThrow().getJsonObject("usage");
        assertEquals(40, usage.getInteger("prompt_tokens"));
        assertEquals(6, usage.getInteger("completion_tokens"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic", "via-gemini"})
    void jsonModeAnswersJsonContent(String model) {
        Response r = post(ask(model).put("response_format", new JsonObject().put("type", "json_schema")
                .put("json_schema", new JsonObject().put("name", "weather").put("schema",
                        new JsonObject().put("type", "object")))));
        assertEquals(200, r.statusCode(), r.asString());
        JsonObject message = new JsonObject(r.asString()).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
        assertTrue(new JsonObject(message.getString("content")).encode().contains("weather in Oslo?"), message.encode());
        assertFalse(message.containsKey("tool_calls"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic"})
    void aStrictSchemaAndItsDescriptionReachTheUpstream(String model) {
        JsonObject schema = new JsonObject().put("type", "object");
        Response r = post(ask(model).put("response_format", new JsonObject().put("type", "json_schema")
                .put("json_schema", new JsonObject().put("name", "weather").put("schema", schema).put("strict", true)
                        .put("description", "A weather report for one city."))));
        assertEquals(200, r.statusCode(), r.asString());
        List<JsonObject> sent = LocalUpstreamResource.upstream.recentRequests();
        JsonObject body = sent.get(sent.size() - 1).getJsonObject("body");
        if (model.equals("via-openai")) {
            assertEquals(new JsonObject().put("name", "weather").put("schema", schema).put("description",
                    "A weather report for one city.").put("strict", true),
                    body.getJsonObject("response_format").getJsonObject("json_schema"), body.encode());
        } else { // Anthropic: JSON mode is a forced tool; the description tells the model what the JSON is for
            JsonObject tool = body.getJsonArray("tools").getJsonObject(0);
            assertEquals(schema, tool.getJsonObject("input_schema"));
            assertTrue(tool.getString("description").endsWith("A weather report for one city."), tool.encode());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"via-openai", "via-anthropic", "via-gemini"})
    void malformedToolsAreRefusedBeforeAnyUpstreamCall(String model) {
        Response r = post(ask(model).put("tools", TOOLS).put("tool_choice", new JsonObject().put("type", "function")
                .put("function", new JsonObject().put("name", "get_time"))));
        assertEquals(400, r.statusCode());
        assertTrue(new JsonObject(r.asString()).getJsonObject("error").getString("message").contains("get_time"));
        assertEquals(0, LocalUpstreamResource.upstream.completions());
    }
}
