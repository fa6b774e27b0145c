package dev.llmops.router.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.provider.ProviderAdapter;
import dev.llmops.router.provider.ProviderContractTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

class GeminiContractTest extends ProviderContractTest {

    @Override
    protected ProviderAdapter adapter() {
        return new GeminiAdapter(http);
    }

    @Override
    protected String baseUrl() {
        return upstream.geminiBaseUrl();
    }

    @Override
    protected void assertRequestShape(JsonObject seen) {
        String path = seen.getString("path");
        assertTrue(path.equals("/v1beta/models/local-model:generateContent")
                || path.equals("/v1beta/models/local-model:streamGenerateContent?alt=sse"), path);
        assertEquals("sk-upstream", seen.getJsonObject("headers").getString("x-goog-api-key"));
        JsonObject body = seen.getJsonObject("body");
        assertEquals("be brief", body.getJsonObject("systemInstruction").getJsonArray("parts").getJsonObject(0)
                .getString("text"));
        assertEquals(1, body.getJsonArray("contents").size());
        JsonObject config = body.getJsonObject("generationConfig");
        assertEquals(0.2, config.getDouble("temperature"));
        assertEquals(50, config.getInteger("maxOutputTokens"));
        assertEquals(new JsonArray().add("END"), config.getJsonArray("stopSequences"));
    }

    @Override
    protected void assertToolsSent(JsonObject seen) {
        JsonObject body = seen.getJsonObject("body");
        JsonArray declarations = body.getJsonArray("tools").getJsonObject(0).getJsonArray("functionDeclarations");
        assertEquals("get_weather", declarations.getJsonObject(1).getString("name"));
        assertEquals("object", declarations.getJsonObject(1).getJsonObject("parametersJsonSchema").getString("type"));
        JsonObject calling = body.getJsonObject("toolConfig").getJsonObject("functionCallingConfig");
        assertEquals("ANY", calling.getString("mode"));
        assertEquals(new JsonArray().add("get_weather"), calling.getJsonArray("allowedFunctionNames"));
    }

    @Override
    protected int eventsThroughTwoWords() {
        return 2; // "one", " two"
    }
}
