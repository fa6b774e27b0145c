package dev.llmops.cache.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import llmops.cache.v1.CacheQuery;
import llmops.common.v1.Caller;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.GenerationParameters;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import org.junit.jupiter.api.Test;

/** The canonical key: stable, sensitive to every field that changes the answer, blind to the others. */
class CacheKeyFactoryTest {

    private final CacheKeyFactory factory = new CacheKeyFactory();

    /** A query with every field set; built anew on each call. */
    static CacheQuery.Builder fullQuery() {
        return CacheQuery.newBuilder()
                .setCaller(Caller.newBuilder().setTenantId("acme").setKeyId("key-1").setUserId("u-1")
                        .putTags("team", "search"))
                .setModel("gpt-4o-mini")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_SYSTEM).setContent("Be brief."))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setName("ann")
                        .setContent("Héllo, what is 2+2? ✓"))
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.7).setTopP(0.9)
                        .setMaxTokens(256).addStop("\n\n").addStop("END").setSeed(42)
                        .setResponseFormat(ResponseFormat.newBuilder()
                                .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA)
                                .setJsonSchema("{\"type\":\"object\"}").setSchemaName("answer")));
    }

    private String key(CacheQuery q) {
        return factory.keyOf(q).hash();
    }

    @Test
    void equalQueriesBuiltSeparatelyGiveEqualKeys() {
        CacheQuery a = fullQuery().build();
        CacheQuery b = fullQuery().build();
        assertEquals(key(a), key(b));
        assertEquals(64, key(a).length());
        assertTrue(key(a).matches("[0-9a-f]{64}"));
        // Parsed back from the wire, as another process would see it.
        assertEquals(key(a), key(parse(a.toByteArray())));
    }

    @Test
    void goldenKeyMatchesAnIndependentRecomputationOfTheDocumentedFormat() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writeStr(out, "llmops.cache.exact.v1");
        writeStr(out, "acme");
        writeStr(out, "gpt-4o-mini");
        out.writeInt(2);
        out.writeInt(1); // ROLE_SYSTEM
        writeStr(out, "");
        writeStr(out, "Be brief.");
        out.writeInt(2); // ROLE_USER
        writeStr(out, "ann");
        writeStr(out, "Héllo, what is 2+2? ✓");
        out.writeByte(1);
        out.writeDouble(0.7);
        out.writeByte(1);
        out.writeDouble(0.9);
        out.writeByte(1);
        out.writeInt(256);
        out.writeInt(2);
        writeStr(out, "\n\n");
        writeStr(out, "END");
        out.writeInt(3); // JSON_SCHEMA
        writeStr(out, "{\"type\":\"object\"}");
        writeStr(out, "answer");
        out.writeByte(1);
        out.writeLong(42);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));

        assertEquals(expected, key(fullQuery().build()));
    }

    /** Tenant t1, model m, one user message "hi", no parameters but the response format's type and schema. */
    static void writeMinimalQuery(DataOutputStream out, int responseFormatType, String jsonSchema) throws Exception {
        writeStr(out, "llmops.cache.exact.v1");
        writeStr(out, "t1");
        writeStr(out, "m");
        out.writeInt(1);
        out.writeInt(2);
        writeStr(out, "");
        writeStr(out, "hi");
        out.writeByte(0); // temperature
        out.writeByte(0); // top_p
        out.writeByte(0); // max_tokens
        out.writeInt(0); // stop
        out.writeInt(responseFormatType);
        writeStr(out, jsonSchema);
        writeStr(out, ""); // schema name
        out.writeByte(0); // seed
    }

    @Test
    void goldenKeyOfAMinimalQueryWithEverythingUnset() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writeMinimalQuery(out, 0, "");
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));

        CacheQuery q = CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId("t1")).setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("hi")).build();
        assertEquals(expected, key(q));
    }

    @Test
    void goldenKeyWithTheResponseFormatTrailerAfterTheToolsHash() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writeMinimalQuery(out, 3, "{}"); // JSON_SCHEMA
        out.writeInt(0); // tools-hash trailer
        writeStr(out, "ab12");
        out.writeInt(-1); // response-format trailer: 0xFFFFFFFF
        out.writeByte(1); // strict
        writeStr(out, "a weather report");
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));

        CacheQuery q = CacheQuery.newBuilder().setCaller(Caller.newBuilder().setTenantId("t1")).setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("hi"))
                .setParameters(GenerationParameters.newBuilder().setResponseFormat(ResponseFormat.newBuilder()
                        .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA).setJsonSchema("{}")
                        .setStrict(true).setDescription("a weather report")))
                .setToolsHash("ab12").build();
        assertEquals(expected, key(q));
    }

    @Test
    void everySingleChangedFieldGivesADifferentKey() {
        Map<String, UnaryOperator<CacheQuery.Builder>> changes = new LinkedHashMap<>();
        changes.put("tenant", b -> b.setCaller(b.getCaller().toBuilder().setTenantId("acme2")));
        changes.put("model", b -> b.setModel("gpt-4o"));
        changes.put("extra message", b -> b.addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER)
                .setContent("and?")));
        changes.put("dropped message", b -> b.removeMessages(0));
        changes.put("message order", b -> {
            ChatMessage first = b.getMessages(0);
            return b.setMessages(0, b.getMessages(1)).setMessages(1, first);
        });
        changes.put("role", b -> b.setMessages(0, b.getMessages(0).toBuilder().setRole(Role.ROLE_DEVELOPER)));
        changes.put("name", b -> b.setMessages(1, b.getMessages(1).toBuilder().setName("bob")));
        changes.put("name unset", b -> b.setMessages(1, b.getMessages(1).toBuilder().clearName()));
        changes.put("content", b -> b.setMessages(1, b.getMessages(1).toBuilder().setContent("Hello")));
        changes.put("content trailing space", b -> b.setMessages(0, b.getMessages(0).toBuilder()
                .setContent("Be brief. ")));
        changes.put("temperature", b -> b.setParameters(b.getParameters().toBuilder().setTemperature(0.8)));
        changes.put("temperature unset", b -> b.setParameters(b.getParameters().toBuilder().clearTemperature()));
        changes.put("top_p", b -> b.setParameters(b.getParameters().toBuilder().setTopP(1.0)));
        changes.put("top_p unset", b -> b.setParameters(b.getParameters().toBuilder().clearTopP()));
        changes.put("max_tokens", b -> b.setParameters(b.getParameters().toBuilder().setMaxTokens(257)));
        changes.put("max_tokens unset", b -> b.setParameters(b.getParameters().toBuilder().clearMaxTokens()));
        changes.put("stop added", b -> b.setParameters(b.getParameters().toBuilder().addStop("STOP")));
        changes.put("stop order", b -> b.setParameters(b.getParameters().toBuilder().clearStop()
                .addStop("END").addStop("\n\n")));
        changes.put("stop none", b -> b.setParameters(b.getParameters().toBuilder().clearStop()));
        changes.put("format type", b -> b.setParameters(b.getParameters().toBuilder().setResponseFormat(
                b.getParameters().getResponseFormat().toBuilder()
                        .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT))));
        changes.put("format schema", b -> b.setParameters(b.getParameters().toBuilder().setResponseFormat(
                b.getParameters().getResponseFormat().toBuilder().setJsonSchema("{\"type\":\"array\"}"))));
        changes.put("format name", b -> b.setParameters(b.getParameters().toBuilder().setResponseFormat(
                b.getParameters().getResponseFormat().toBuilder().setSchemaName("answer2"))));
        changes.put("format unset", b -> b.setParameters(b.getParameters().toBuilder().clearResponseFormat()));
        changes.put("format strict", b -> b.setParameters(b.getParameters().toBuilder().setResponseFormat(
                b.getParameters().getResponseFormat().toBuilder().setStrict(true))));
        changes.put("format description", b -> b.setParameters(b.getParameters().toBuilder().setResponseFormat(
                b.getParameters().getResponseFormat().toBuilder().setDescription("a weather report"))));
        changes.put("format strict and description", b -> b.setParameters(b.getParameters().toBuilder()
                .setResponseFormat(b.getParameters().getResponseFormat().toBuilder().setStrict(true)
                        .setDescription("a weather report"))));
        changes.put("seed", b -> b.setParameters(b.getParameters().toBuilder().setSeed(43)));
        changes.put("seed unset", b -> b.setParameters(b.getParameters().toBuilder().clearSeed()));
        changes.put("no parameters", CacheQuery.Builder::clearParameters);
        changes.put("tools_hash", b -> b.setToolsHash("9f2c"));
        changes.put("other tools_hash", b -> b.setToolsHash("9f2d"));

        String base = key(fullQuery().build());
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put(base, "base");
        for (Map.Entry<String, UnaryOperator<CacheQuery.Builder>> change : changes.entrySet()) {
            String k = key(change.getValue().apply(fullQuery()).build());
            assertNotEquals(base, k, "changing " + change.getKey() + " must change the key");
            String clash = seen.put(k, change.getKey());
            assertEquals(null, clash, change.getKey() + " collides with " + clash);
        }
    }

    @Test
    void unsetIsDistinctFromZeroAndEmpty() {
        CacheQuery.Builder unset = fullQuery().setParameters(GenerationParameters.getDefaultInstance());
        assertNotEquals(key(unset.build()), key(fullQuery()
                .setParameters(GenerationParameters.newBuilder().setTemperature(0.0)).build()));
        assertNotEquals(key(unset.build()), key(fullQuery()
                .setParameters(GenerationParameters.newBuilder().setSeed(0)).build()));
        assertNotEquals(key(unset.build()), key(fullQuery()
                .setParameters(GenerationParameters.newBuilder().setTopP(0.0)).build()));
        assertNotEquals(key(unset.build()), key(fullQuery()
                .setParameters(GenerationParameters.newBuilder().addStop("")).build()));
        assertNotEquals(key(unset.build()), key(fullQuery()
                .setParameters(GenerationParameters.newBuilder().setResponseFormat(ResponseFormat.newBuilder()
                        .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_TEXT))).build()));
    }

    @Test
    void fieldBoundariesAreUnambiguous() {
        CacheQuery.Builder a = fullQuery().clearMessages()
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("ab"))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("c"));
        CacheQuery.Builder b = fullQuery().clearMessages()
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("a"))
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setContent("bc"));
        assertNotEquals(key(a.build()), key(b.build()));

        CacheQuery.Builder nameInContent = fullQuery().clearMessages()
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setName("x").setContent("y"));
        CacheQuery.Builder contentOnly = fullQuery().clearMessages()
                .addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_USER).setName("").setContent("xy"));
        assertNotEquals(key(nameInContent.build()), key(contentOnly.build()));

        CacheQuery.Builder tenantModel1 = fullQuery().setCaller(Caller.newBuilder().setTenantId("ab")).setModel("c");
        CacheQuery.Builder tenantModel2 = fullQuery().setCaller(Caller.newBuilder().setTenantId("a")).setModel("bc");
        assertNotEquals(key(tenantModel1.build()), key(tenantModel2.build()));
    }

    @Test
    void keyIdUserIdAndTagsDoNotChangeTheKey() {
        String base = key(fullQuery().build());
        assertEquals(base, key(fullQuery().setCaller(Caller.newBuilder().setTenantId("acme").setKeyId("key-2")
                .setUserId("someone-else").putTags("team", "ads").putTags("env", "prod")).build()));
        assertEquals(base, key(fullQuery().setCaller(Caller.newBuilder().setTenantId("acme")).build()));
    }

    @Test
    void toolCallsAndToolResultsChangeTheKeyAndToolFreeKeysStayV1() {
        String base = key(fullQuery().build());
        CacheQuery.Builder call = fullQuery().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT)
                .addToolCalls(llmops.common.v1.ToolCall.newBuilder().setId("c1").setName("weather")
                        .setArguments("{\"city\":\"Paris\"}")));
        CacheQuery.Builder otherArgs = fullQuery().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT)
                .addToolCalls(llmops.common.v1.ToolCall.newBuilder().setId("c1").setName("weather")
                        .setArguments("{\"city\":\"Rome\"}")));
        CacheQuery.Builder noCall = fullQuery().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_ASSISTANT));
        assertNotEquals(key(call.build()), key(otherArgs.build()));
        assertNotEquals(key(call.build()), key(noCall.build()));
        CacheQuery.Builder result1 = fullQuery().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL)
                .setToolCallId("c1").setContent("18C"));
        CacheQuery.Builder result2 = fullQuery().addMessages(ChatMessage.newBuilder().setRole(Role.ROLE_TOOL)
                .setToolCallId("c2").setContent("18C"));
        assertNotEquals(key(result1.build()), key(result2.build()));
        // Without tool data the v1 golden keys (tests above) are unchanged; this is the same query again.
        assertEquals(base, key(fullQuery().build()));
    }

    @Test
    void negativeZeroTemperatureIsZero() {
        assertEquals(key(fullQuery().setParameters(GenerationParameters.newBuilder().setTemperature(0.0)).build()),
                key(fullQuery().setParameters(GenerationParameters.newBuilder().setTemperature(-0.0)).build()));
    }

    private static void writeStr(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static CacheQuery parse(byte[] bytes) {
        try {
            return CacheQuery.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
