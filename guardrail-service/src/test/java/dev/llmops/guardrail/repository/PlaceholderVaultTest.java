package dev.llmops.guardrail.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlaceholderVaultTest {
    static final Map<String, String> ORIGINALS = Map.of("<PERSON_1>", "Jane \"JD\" Doe", "<SECRET_1>", "a\\b\nc");

    @Test
    void originalsGoBackAsTheyWereIntoText() {
        PlaceholderVault.Restored r = PlaceholderVault.replace("Hi <PERSON_1>, key <SECRET_1>, <EMAIL_9>", ORIGINALS, false);
        assertEquals("Hi Jane \"JD\" Doe, key a\\b\nc, <EMAIL_9>", r.text(), "unknown placeholders stay");
        assertEquals(2, r.count());
    }

    @Test
    void intoJsonTheyGoEscapedSoTheJsonStaysValidAndMeansTheOriginals() {
        String arguments = "{\"to\": \"<PERSON_1>\", \"note\": \"use <SECRET_1> now\"}";
        PlaceholderVault.Restored r = PlaceholderVault.replace(arguments, ORIGINALS, true);
        JsonObject parsed = new JsonObject(r.text());
        assertEquals("Jane \"JD\" Doe", parsed.getString("to"));
        assertEquals("use a\\b\nc now", parsed.getString("note"));
        assertEquals(2, r.count());
    }
}
