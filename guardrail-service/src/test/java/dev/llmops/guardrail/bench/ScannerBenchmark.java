package dev.llmops.guardrail.bench;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.scanner.PromptInjectionScanner;
import dev.llmops.guardrail.scanner.Scanner;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import java.util.List;
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
 * One scanner over one text, to see where {@link InputScanBenchmark}'s time goes. {@code text}: {@code tiny} is the
 * router benchmark's prompt (a question plus a unique "#counter-nanos" suffix), {@code prose2k} is
 * InputScanBenchmark's 2 KB prompt. Average time per call. Run: {@code guardrail-service/bench.sh ScannerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m", "-XX:+UseSerialGC"})
public class ScannerBenchmark {

    @Param({"email", "phone", "payment-card", "iban", "us-ssn", "ip-address", "date-of-birth", "person-name",
        "street-address", "secret", "blocked-phrase", "prompt-injection", "toxicity"})
    String scanner;

    @Param({"tiny", "prose2k"})
    String text;

    private Scanner chosen;
    private String prompt;

    @Setup
    public void setUp() {
        List<String> phrases = List.of("ignore all previous instructions", "ignore previous instructions");
        chosen = ScannerRegistry.all("US", phrases, PromptInjectionScanner.trainDefault(), 0.75).stream()
                .filter(s -> s.name().equals(scanner)).findFirst().orElseThrow();
        prompt = text.equals("tiny") ? "What is the capital of France? #48213-1764921530123456789"
                : InputScanBenchmark.prose(2048);
    }

    @Benchmark
    public List<Detection> scan() {
        // A fresh String each call: the normaliser's per-thread cache must not make repeated calls free.
        return chosen.scan(new String(prompt));
    }
}
