package dev.llmops.router.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StreamRestorerTest {
    static final Map<String, String> VAULT = Map.of("<EMAIL_1>", "jane@example.com", "<PHONE_12>", "+41 44 668 18 00");

    /** The guardrail's RestorePlaceholders, answering later on another thread (as a gRPC call does). */
    static CompletionStage<String> restoreLater(ScheduledExecutorService pool, List<String> calls, String text) {
        calls.add(text);
        CompletableFuture<String> out = new CompletableFuture<>();
        pool.schedule(() -> {
            String restored = text;
            for (var e : VAULT.entrySet()) {
                restored = restored.replace(e.getKey(), e.getValue());
            }
            out.complete(restored);
        }, 20, TimeUnit.MILLISECONDS);
        return out;
    }

    List<String> run(List<String> pieces, List<String> calls) {
        ScheduledExecutorService pool = Executors.newSingleThreadScheduledExecutor();
        try {
            List<String> out = java.util.Collections.synchronizedList(new ArrayList<>());
            StreamRestorer r = new StreamRestorer(text -> restoreLater(pool, calls, text), out::add);
            pieces.forEach(r);
            r.finish().await().atMost(Duration.ofSeconds(5));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPlaceholderSplitAcrossPiecesIsHeldUntilItsEndAndRestoredInOrder() {
        List<String> calls = new ArrayList<>();
        List<String> out = run(List.of("Echo: ", "mail <EM", "AIL_", "1> now", " or call", " <PHONE_12>", " bye"), calls);
        assertEquals("Echo: mail jane@example.com now or call +41 44 668 18 00 bye", String.join("", out));
        // pieces without a placeholder never reach the guardrail; the ones with one are sent whole
        assertEquals(List.of("<EMAIL_1> now", " <PHONE_12>"), calls);
        assertEquals("Echo: ", out.get(0));
        assertEquals(" bye", out.get(out.size() - 1), "later pieces wait for the restore before them");
    }

    @Test
    void textThatCannotBeAPlaceholderIsNotHeld() {
        assertEquals(5, StreamRestorer.releasable("a < b"));
        assertEquals(4, StreamRestorer.releasable("x = <EMAIL"));
        assertEquals(2, StreamRestorer.releasable("a <"));
        assertEquals(9, StreamRestorer.releasable("<b>bold</"), "lower case after < is no placeholder");
        assertEquals(60, StreamRestorer.releasable("<" + "A".repeat(59)), "longer than any placeholder");
        List<String> calls = new ArrayList<>();
        assertEquals("if a < b and <EMAIL_1", String.join("", run(List.of("if a < b and <EMAIL_1"), calls)),
                "what is held is sent at the end, unchanged when incomplete");
    }
}
