package dev.llmops.guardrail.service;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.PromptInjectionScanner;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shapes that make backtracking engines or naive loops blow up, at the size limit (200,000 chars), through every
 * scanner. Each must finish (the bound is generous: this proves "no hang", it is not a benchmark).
 */
class HostileInputTest {
    private static final int SIZE = 200_000;
    private static final Inspector INSPECTOR = new Inspector(ScannerRegistry.all("US",
            List.of("ignore all previous instructions"), PromptInjectionScanner.trainDefault(), 0.75),
            new Policy(Map.of(), PolicyAction.REDACT));

    private static String fill(String unit) {
        StringBuilder sb = new StringBuilder(SIZE);
        while (sb.length() < SIZE) {
            sb.append(unit);
        }
        sb.setLength(SIZE);
        return sb.toString();
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("one long word", fill("a")),
                Arguments.of("digits and spaces", fill("1 2 3 4 ")),
                Arguments.of("email-like without end", fill("a.") + "@"),
                Arguments.of("at signs", fill("a@b.")),
                Arguments.of("dotted quads", fill("1.1.1.")),
                Arguments.of("colons", fill("a:b:")),
                Arguments.of("base64 wall", fill("QUJD")),
                Arguments.of("capitalised words", fill("Dr. Anna Berger Street ")),
                Arguments.of("trigger words", fill("ignore previous system prompt mode ")),
                Arguments.of("spelled out letters", fill("a b ")),
                Arguments.of("zero-width and confusables", fill("\u200b\u0430\u0456")),
                Arguments.of("combining marks (zalgo)", fill("e\u0301\u0302\u0303")),
                Arguments.of("surrogate pairs", fill("\uD83D\uDE00")),
                Arguments.of("PEM header without end", "-----BEGIN PRIVATE KEY-----" + fill("QUJD")),
                Arguments.of("toxic words", fill("you idiot kill ")),
                // Once hung the SSN scanner (a full-width digit was a digit to one loop and not to the next).
                Arguments.of("full-width digits", fill("Call \uff14\uff11\uff15-\uff15\uff15\uff15 ")),
                // Once crashed it (two digit runs, the first without an SSN: an immutable list was added to).
                Arguments.of("digit runs then an SSN", fill("order 123456789012 then SSN 536-22-1234 ")),
                Arguments.of("long ids and time stamps", fill("#48213-1764921530123456789 ")),
                Arguments.of("spaces between phrase words", "ignore" + fill(" ") + "previous instructions"),
                Arguments.of("deeply nested brackets", fill("[{(<")),
                Arguments.of("lone surrogates", fill("\uD800a\uDC00")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyScannerFinishes(String name, String text) {
        List<Hit> hits = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> INSPECTOR.inspect(text));
        assertTrue(hits.size() <= text.length(), name);
    }
}
