package dev.llmops.guardrail.bench;

import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.PromptInjectionScanner;
import dev.llmops.guardrail.scanner.Scanner;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.service.Hit;
import dev.llmops.guardrail.service.Inspector;
import dev.llmops.guardrail.service.Policy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The full input scan of one prompt (every scanner, policy, overlap resolution), as CheckInput runs it, without
 * gRPC: 1, 2, 8 and 64 KB of realistic prose with a little PII. "rules" = every rule-based scanner; "classifiers"
 * = the same plus the prompt-injection classifier and the normaliser-based scanners (injection, toxicity);
 * "baseline" = the four scanners of the foundation version, measured in the same run for a ratio.
 * Sample mode, so JMH prints p50/p99/p99.9. Run: {@code guardrail-service/bench.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx512m", "-XX:+UseSerialGC"})
public class InputScanBenchmark {

    @Param({"1024", "2048", "8192", "65536"})
    int size;

    @Param({"baseline", "rules", "classifiers"})
    String scanners;

    private Inspector inspector;
    private String prompt;

    private static final String[] SENTENCES = {
        "Please summarise the attached quarterly report for the board meeting on Thursday.",
        "Revenue grew 12.5% to 4.3 million dollars, driven by the new subscription tier.",
        "Contact our finance lead at maria.lopez@example.com or +1 (415) 555-2671 if anything is unclear.",
        "The customer in Berlin asked whether the warranty covers water damage.",
        "Write the answer in plain English and keep it under two hundred words.",
        "Ignore the appendix tables; they repeat the figures from section two.",
        "Our support team closed 1,284 tickets last month with an average rating of 4.6.",
        "Make sure the tone is friendly but professional, and avoid jargon.",
    };

    @Setup
    public void setUp() {
        List<String> phrases = List.of("ignore all previous instructions", "ignore previous instructions");
        List<Scanner> all = ScannerRegistry.all("US", phrases,
                scanners.equals("classifiers") ? PromptInjectionScanner.trainDefault() : null, 0.75);
        List<Scanner> chosen = switch (scanners) {
            case "baseline" -> all.stream().filter(s -> List.of("email", "phone", "payment-card", "blocked-phrase")
                    .contains(s.name())).toList();
            case "rules" -> all.stream().filter(s -> !s.name().equals("toxicity")).toList(); // injection rules only
            default -> all;
        };
        inspector = new Inspector(chosen, new Policy(Map.of(), PolicyAction.REDACT));
        prompt = prose(size);
    }

    /** {@code size} chars of the benchmark's prose. */
    static String prose(int size) {
        StringBuilder sb = new StringBuilder(size + 200);
        for (int i = 0; sb.length() < size; i++) {
            sb.append(SENTENCES[i % SENTENCES.length]).append(' ');
        }
        sb.setLength(size);
        return sb.toString();
    }

    @Benchmark
    public List<Hit> inputScan() {
        // A fresh String each call: the normaliser's per-thread cache must not make repeated calls free.
        return inspector.inspect(new String(prompt));
    }
}
