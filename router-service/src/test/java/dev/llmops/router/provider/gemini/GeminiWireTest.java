package dev.llmops.router.provider.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import dev.llmops.router.provider.ProviderCall;
import dev.llmops.router.provider.UpstreamErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

class GeminiWireTest {

    @Test
    void thinkingTokensAreOutputAndThoughtPartsAreNotContent() {
        ChatResult r = GeminiWire.fromGeminiResponse("u", new JsonObject("""
                {"candidates": [{"content": {"role": "model", "parts": [{"text": "plan...", "thought": true},
                                                                         {"text": "Paris"}]},
                                 "finishReason": "STOP"}],
                 "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2, "thoughtsTokenCount": 30,
                                   "cachedContentTokenCount": 4},
                 "modelVersion": "gemini-2.5-flash"}"""));
        assertEquals("Paris", r.content());
        assertEquals(32, r.usage().getCompletionTokens());
        assertEquals(30, r.usage().getReasoningTokens());
        assertEquals(4, r.usage().getCachedPromptTokens());
        assertEquals("gemini-2.5-flash", r.model());
    }

    @Test
    void blockedAnswersAreContentFiltered() {
        assertEquals("content_filter", GeminiWire.fromGeminiResponse("u", new JsonObject("""
                {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "SAFETY"}]}"""))
                .finishReason());
        ChatResult blockedPrompt = GeminiWire.fromGeminiResponse("u", new JsonObject("""
                {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 9}}"""));
        assertEquals("content_filter", blockedPrompt.finishReason());
        assertEquals("", blockedPrompt.content());
        assertEquals(9, blockedPrompt.usage().getPromptTokens());
    }

    @Test
    void aToolResultForAnUnknownCallIsRefusedClearly() {
        Route route = new Route("r", "gemini", "http://x/v1beta", "g", "", Duration.ofSeconds(1));
        ProviderCall call = new ProviderCall(route, List.of(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL)
                .setToolCallId("nope").setContent("x").build()), GenerationParameters.getDefaultInstance(), "");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GeminiWire.toGeminiRequest(call));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("'nope'"));
    }

    @Test
    void retryInfoInTheErrorJsonIsTheRetryDelay() {
        StatusRuntimeException e = GeminiWire.error("u", 503, """
                {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE",
                 "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}""", null);
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(Duration.ofMillis(1500), UpstreamErrors.retryAfter(e).orElseThrow());
        assertTrue(e.getStatus().getDescription().contains("UNAVAILABLE: The model is overloaded."));
    }
}
