package dev.llmops.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.upstream.LocalUpstream;
import dev.llmops.upstream.UpstreamBehaviour;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The driver against the local upstream: it counts what it sends, sees the configured latency, and counts errors. */
class LoadGenTest {
    static LocalUpstream upstream;

    @BeforeAll
    static void start() {
        upstream = LocalUpstream.start(0, UpstreamBehaviour.defaults().with(new JsonObject().put("latency_ms", 20)));
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    LoadGen.Result run(String... extra) throws Exception {
        String[] base = {"--url", "http://127.0.0.1:" + upstream.port(), "--duration", "2s", "--warmup", "500ms"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return new LoadGen(LoadOptions.parse(args)).run();
    }

    @Test
    void openLoopSendsAtTheRateAndSeesTheUpstreamLatency() throws Exception {
        upstream.reset();
        LoadGen.Result r = run("--rate", "100", "--unique");
        assertEquals(0, r.errorCount(), r.errors().toString());
        assertTrue(r.ok() >= 190 && r.ok() <= 201, "2 s at 100/s measured, got " + r.ok());
        assertTrue(upstream.completions() >= 240, "warmup requests are sent too: " + upstream.completions());
        assertTrue(r.percentileMs(50) >= 20, "the upstream waits 20 ms: p50 " + r.percentileMs(50));
    }

    @Test
    void errorsAreCountedByKind() throws Exception {
        upstream.behave(upstream.behaviour().with(new JsonObject().put("error_rate", 1.0).put("error_status", 503)));
        try {
            LoadGen.Result r = run("--concurrency", "4");
            assertEquals(0, r.ok());
            assertTrue(r.errors().get("http 503") > 0, r.errors().toString());
        } finally {
            upstream.behave(upstream.behaviour().with(new JsonObject().put("error_rate", 0.0)));
        }
    }

    @Test
    void rejectsContradictoryOptions() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(new String[] {"--url", "http://x:1"}));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(
                new String[] {"--url", "http://x:1", "--rate", "5", "--concurrency", "2"}));
    }
}
