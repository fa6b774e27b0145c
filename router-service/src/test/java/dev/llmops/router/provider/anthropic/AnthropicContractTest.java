package dev.llmops.router.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderContractTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

class AnthropicContractTest extends ProviderContractTest {

    @Override
    protected ProviderAdapter adapter() {
        return new AnthropicAdapter(http, 1024);
    }

    @Override
    protected String baseUrl() {
        return upstream.baseUrl();
    }

    @Override
    protected void assertRequestShape(JsonObject seen) {
        assertEquals("/v1/messages", seen.getString("path"));
        assertEquals("sk-upstream", seen.getJsonObject("headers").getString("x-api-key"));
        assertEquals(AnthropicAdapter.VERSION, seen.getJsonObject("headers").getString("anthropic-version"));
        JsonObject body = seen.getJsonObject("body");
        assertEquals("local-model", body.getString("model"));
        assertEquals("be brief", body.getString("system"), "the system prompt is top-level");
        assertEquals(1, body.getJsonArray("messages").size());
        assertEquals("user", body.getJsonArray("messages").getJsonObject(0).getString("role"));
        assertEquals(0.2, body.getDouble("temperature"));
        assertEquals(50, body.getInteger("max_tokens"));
        assertEquals(new JsonArray().add("END"), body.getJsonArray("stop_sequences"));
        assertEquals("user-7", body.getJsonObject("metadata").getString("user_id"));
    }

    @Override
    protected void assertToolsSent(JsonObject seen) {
        JsonObject body = seen.getJsonObject("body");
        JsonObject weather = body.getJsonArray("tools").getJsonObject(1);
        assertEquals("get_weather", weather.getString("name"));
        assertEquals("object", weather.getJsonObject("input_schema").getString("type"));
        assertEquals("object", body.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema").getString("type"),
                "a tool without parameters still has an object schema");
        assertEquals(new JsonObject().put("type", "tool").put("name", "get_weather"), body.getJsonObject("tool_choice"));
    }

    @Override
    protected int eventsThroughTwoWords() {
        return 5; // message_start, content_block_start, ping, "one", " two"
    }

    @Override
    protected long reportedCacheWrites(long written) {
        return written;
    }
}
