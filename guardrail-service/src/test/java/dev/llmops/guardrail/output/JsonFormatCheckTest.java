package dev.llmops.guardrail.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.guardrail.Detection;
import java.time.Duration;
import java.util.List;
import llmops.common.v1.ResponseFormat;
import llmops.common.v1.ResponseFormatType;
import org.junit.jupiter.api.Test;

class JsonFormatCheckTest {
    private final JsonFormatCheck check = new JsonFormatCheck();

    private static ResponseFormat schema(String s) {
        return ResponseFormat.newBuilder().setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA).setJsonSchema(s)
                .build();
    }

    private static final ResponseFormat OBJECT = ResponseFormat.newBuilder()
            .setType(ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_OBJECT).build();

    private static final String PERSON = """
            {"type":"object","required":["name","age"],"properties":{"name":{"type":"string","pattern":"^[A-Z]"},
            "age":{"type":"integer","minimum":0}},"additionalProperties":false}""";

    @Test
    void validAnswersPass() {
        assertEquals(List.of(), check.check("{\"name\":\"Ann\",\"age\":31}", schema(PERSON)));
        assertEquals(List.of(), check.check("```json\n{\"name\":\"Ann\",\"age\":31}\n```", schema(PERSON)));
        assertEquals(List.of(), check.check("{\"a\":1}", OBJECT));
    }

    @Test
    void violationsNameThePathAndRuleButNotTheValue() {
        List<Detection> d = check.check("{\"name\":\"ann\",\"age\":-1,\"x\":true}", schema(PERSON));
        assertEquals(3, d.size(), d.toString());
        assertTrue(d.stream().allMatch(x -> x.type().equals("SCHEMA_VIOLATION")));
        assertTrue(d.stream().anyMatch(x -> x.detail().contains("$.age") && x.detail().contains("minimum")));
        assertTrue(d.stream().noneMatch(x -> x.detail().contains("ann")));
    }

    @Test
    void invalidJsonAndWrongShapes() {
        assertEquals("INVALID_JSON", check.check("{\"a\":", OBJECT).get(0).type());
        assertEquals("INVALID_JSON", check.check("[1,2]", OBJECT).get(0).type());
        assertEquals("INVALID_JSON", check.check("{\"a\":1} trailing", OBJECT).get(0).type());
        assertEquals("INVALID_JSON", check.check("", OBJECT).get(0).type());
        assertEquals("INVALID_JSON", check.check("{\"a\":1,\"a\":2}", OBJECT).get(0).type()); // duplicate key
    }

    @Test
    void deeplyNestedJsonIsAFindingNotAStackOverflow() {
        String deep = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
        List<Detection> d = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> check.check(deep, OBJECT));
        assertEquals("INVALID_JSON", d.get(0).type());
        assertTrue(d.get(0).detail().contains("nested deeper"), d.get(0).detail());
    }

    @Test
    void unusableSchemasAreRejected() {
        assertThrows(JsonFormatCheck.BadSchemaException.class, () -> check.schema("not json"));
        assertThrows(JsonFormatCheck.BadSchemaException.class, () -> check.schema("[1]"));
        // No network fetches from a caller's schema.
        assertThrows(JsonFormatCheck.BadSchemaException.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> check.schema("{\"$ref\":\"http://127.0.0.1:9/schema.json\"}")));
        // Back-references are not RE2: refused rather than run on a backtracking engine.
        assertThrows(RuntimeException.class, () -> check.check("{\"name\":\"Ann\",\"age\":1}",
                schema(PERSON.replace("^[A-Z]", "(a)\\\\1"))));
    }

    @Test
    void regexBombPatternRunsInLinearTime() {
        String bomb = "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"pattern\":\"^(a+)+$\"}}}";
        String answer = "{\"s\":\"" + "a".repeat(50_000) + "!\"}";
        List<Detection> d = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> check.check(answer,
                schema(bomb)));
        assertEquals("SCHEMA_VIOLATION", d.get(0).type());
    }
}
