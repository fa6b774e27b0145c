package dev.llmops.router.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.router.ChatExchange;
import dev.llmops.router.ChatResult;
import dev.llmops.router.Route;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import llmops.common.v1.Caller;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.TokenUsage;
import llmops.events.v1.UsageEvent;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.Finding;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ContextDocument;
import llmops.router.v1.Tool;
import org.junit.jupiter.api.Test;

/** What the steps put into the guardrail's, the cache's and the usage event's messages, without the services. */
class StoreAndCheckSignalsTest {
    static final Route ROUTE = new Route("chat", "openai", "http://x", "gpt-4o-mini", "", Duration.ofSeconds(1));

    static ChatExchange exchange(ChatRequest request, Map<String, String> tags) {
        return new ChatExchange("r1", Caller.newBuilder().setTenantId("t").putAllTags(tags).build(), request, ROUTE, false);
    }

    @Test
    void theOutputCheckGetsTheContextDocumentsAndAJsonFormatButNotPlainText() {
        ChatRequest request = ChatRequest.newBuilder()
                .addContextDocuments(ContextDocument.newBuilder().setId("kb-1").setContent("Paris is in France."))
                .setParameters(GenerationParameters.newBuilder().setResponseFormat(ResponseFormat.newBuilder()
                        .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA).setJsonSchema("{\"type\":\"object\"}")))
                .build();
        CheckOutputRequest check = OutputGuardStep.request(exchange(request, Map.of()), "answer", true);
        assertEquals("kb-1", check.getContextDocuments(0).getId());
        assertEquals("Paris is in France.", check.getContextDocuments(0).getText());
        assertEquals("{\"type\":\"object\"}", check.getResponseFormat().getJsonSchema());
        assertTrue(check.getRestorePlaceholders());
        assertEquals("r1", check.getRequestId(), "the vault is keyed by the request id CheckInput got");

        ChatRequest text = ChatRequest.newBuilder().setParameters(GenerationParameters.newBuilder().setResponseFormat(
                ResponseFormat.newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_TEXT))).build();
        assertFalse(OutputGuardStep.request(exchange(text, Map.of()), "answer", false).hasResponseFormat());
    }

    @Test
    void personalDataTheInputCheckLetThroughMarksThePromptUnredacted() {
        Finding loggedEmail = Finding.newBuilder().setType("EMAIL").setScanner("email").setAction(Action.ACTION_LOG_ONLY).build();
        Finding redactedPhone = Finding.newBuilder().setType("PHONE").setScanner("phone").setAction(Action.ACTION_REDACT).build();
        Finding loggedInsult = Finding.newBuilder().setType("TOXICITY_INSULT").setScanner("toxicity")
                .setAction(Action.ACTION_LOG_ONLY).build();
        assertTrue(InputGuardStep.unredactedPii(List.of(redactedPhone, loggedEmail)));
        assertFalse(InputGuardStep.unredactedPii(List.of(redactedPhone, loggedInsult)), "redacted PII, non-PII logged");
    }

    @Test
    void callerTagsBecomeCacheLabelsAndCacheOffOptsOut() {
        Map<String, String> tags = new TreeMap<>(Map.of("kb", "pricing", "team", "search", "cache", "off",
                "long", "x".repeat(300)));
        assertEquals(List.of("kb:pricing", "team:search"), CacheStep.tags(tags), "sorted, the opt-out and over-long left out");
        assertTrue(CacheStep.optedOut(exchange(ChatRequest.getDefaultInstance(), Map.of("cache", "OFF"))));
        assertFalse(CacheStep.optedOut(exchange(ChatRequest.getDefaultInstance(), Map.of("cache", "on"))));
        Map<String, String> many = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            many.put("t" + i, "v");
        }
        assertEquals(32, CacheStep.tags(many).size(), "the cache-service takes at most 32");
    }

    @Test
    void aFlaggedAnswerIsOfferedWithItsFlagsAndTheProvidersTextNotTheRestoredOne() {
        ChatRequest request = ChatRequest.newBuilder()
                .addContextDocuments(ContextDocument.newBuilder().setId("kb-1").setContent("x"))
                .addContextDocuments(ContextDocument.newBuilder().setContent("no id")).build();
        ChatExchange ex = exchange(request, Map.of("kb", "pricing"));
        ChatResult provider = new ChatResult("Mail <EMAIL_1>", "stop", TokenUsage.newBuilder().setPromptTokens(3).build(), "gpt-4o-mini");
        ex.providerResult(provider);
        ex.result(provider.withContent("Mail jane@example.com"));
        ex.outputFlagged(true);
        ex.unredactedPii(true);
        var store = new CacheStep(null, null, 0, "off").store(ex, provider);
        assertEquals("Mail <EMAIL_1>", store.getAnswer().getContent());
        assertTrue(store.getAnswerFlagged() && store.getContainsUnredactedPii());
        assertFalse(store.getOptedOut() || store.getIsError());
        assertEquals(List.of("kb-1"), store.getDocumentIdsList());
        assertEquals(List.of("kb:pricing"), store.getTagsList());
        assertEquals("", store.getQuery().getToolsHash());
    }

    @Test
    void theToolsHashChangesWithTheToolsAndIsStable() {
        ChatRequest one = ChatRequest.newBuilder().addTools(Tool.newBuilder().setName("lookup").setParametersJsonSchema("{}")).build();
        ChatRequest two = ChatRequest.newBuilder().addTools(Tool.newBuilder().setName("lookup2").setParametersJsonSchema("{}")).build();
        assertEquals(64, CacheStep.toolsHash(one).length());
        assertEquals(CacheStep.toolsHash(one), CacheStep.toolsHash(one.toBuilder().build()));
        assertNotEquals(CacheStep.toolsHash(one), CacheStep.toolsHash(two));
        assertEquals("", CacheStep.toolsHash(ChatRequest.getDefaultInstance()));
    }

    @Test
    void theUsageEventCarriesRouteTierStartAndWhatACacheHitAvoided() {
        ChatExchange ex = exchange(ChatRequest.getDefaultInstance(), Map.of());
        ex.tier("cheap");
        ex.cacheHit(true);
        TokenUsage cached = TokenUsage.newBuilder().setPromptTokens(12).setCompletionTokens(30).build();
        ex.result(new ChatResult("cached answer", "stop", cached, "gpt-4o-mini"));
        UsageEvent e = UsageEventDetails.fill(UsageEvent.newBuilder().setOccurredUnixMs(1), ex).build();
        assertEquals("chat", e.getRoute());
        assertEquals("cheap", e.getTier());
        assertEquals(cached, e.getAvoidedUsage());
        assertEquals("gpt-4o-mini", e.getAvoidedModel());
        assertEquals(ex.startedUnixMs(), e.getOccurredUnixMs(), "when the request arrived, as Settle");
    }
}
