package dev.llmops.router.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderContractTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

class OpenAiContractTest extends ProviderContractTest {

    @Override
    protected ProviderAdapter adapter() {
        return new OpenAiAdapter(http);
    }

    @Override
    protected String baseUrl() {
        return upstream.baseUrl();
    }

    @Override
    protected void assertRequestShape(JsonObject seen) {
        assertEquals("/v1/chat/completions", seen.getString("path"));
        assertEquals("Bearer sk-upstream", seen.getString("authorization"));
        JsonObject body = seen.getJsonObject("body");
        assertEquals("local-model", body.getString("model"));
        assertEquals(0.2, body.getDouble("temperature"));
        assertEquals(50, body.getInteger("max_tokens"));
        assertEquals(new JsonArray().add("END"), body.getJsonArray("stop"));
        assertEquals("user-7", body.getString("user"));
        assertEquals("system", body.getJsonArray("messages").getJsonObject(0).getString("role"));
        if (body.getBoolean("stream", false)) {
            assertTrue(body.getJsonObject("stream_options").getBoolean("include_usage"), "usage is always asked for");
        }
    }

    @Override
    protected void assertToolsSent(JsonObject seen) {
        JsonObject body = seen.getJsonObject("body");
        JsonObject weather = body.getJsonArray("tools").getJsonObject(1);
        assertEquals("function", weather.getString("type"));
        assertEquals("get_weather", weather.getJsonObject("function").getString("name"));
        assertEquals("object", weather.getJsonObject("function").getJsonObject("parameters").getString("type"));
        assertEquals("get_weather", body.getJsonObject("tool_choice").getJsonObject("function").getString("name"));
    }

    @Override
    protected int eventsThroughTwoWords() {
        return 3; // the role chunk, "one", " two"
    }
}
