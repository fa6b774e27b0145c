package dev.llmops.cache.semantic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.function.UnaryOperator;
import llmops.cache.v1.CacheQuery;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

class SemanticScopeTest {

    static CacheQuery query(UnaryOperator<ResponseFormat.Builder> format) {
        return CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId("t1")).setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("weather in Oslo?"))
                .setParameters(GenerationParameters.newBuilder().setResponseFormat(format.apply(ResponseFormat
                        .newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA).setJsonSchema("{}"))))
                .build();
    }

    static String scope(UnaryOperator<ResponseFormat.Builder> format) {
        return SemanticScope.of(query(format)).scope();
    }

    @Test
    void strictAndDescriptionOfTheResponseFormatSeparateScopes() {
        String plain = scope(f -> f);
        String strict = scope(f -> f.setStrict(true));
        String described = scope(f -> f.setDescription("a weather report"));
        assertNotEquals(plain, strict);
        assertNotEquals(plain, described);
        assertNotEquals(strict, described);
        assertEquals(plain, scope(f -> f.setStrict(false).setDescription("")), "unset is the scope of before");
    }
}
