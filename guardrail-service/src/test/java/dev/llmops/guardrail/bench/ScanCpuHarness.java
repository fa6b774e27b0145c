package dev.llmops.guardrail.bench;

import dev.llmops.guardrail.PolicyAction;
import dev.llmops.guardrail.scanner.PromptInjectionScanner;
import dev.llmops.guardrail.scanner.Scanner;
import dev.llmops.guardrail.scanner.ScannerRegistry;
import dev.llmops.guardrail.service.Inspector;
import dev.llmops.guardrail.service.Policy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time per full input scan, per call: the same prompts and scanner sets as {@link InputScanBenchmark}, timed with
 * the thread's CPU clock instead of the wall clock. On a machine shared with other builds, wall-clock percentiles
 * measure the scheduler (a p99 of 20-300 ms for a 0.1 ms scan); CPU time per call does not include the time the
 * thread waits for a core, so its p50/p99 approximate what a quiet machine would show (caches and frequency still
 * suffer from the neighbours). Warms up every configuration first (C2 keeps compiling for a while), then measures
 * each for {@code seconds} of CPU. Run: {@code guardrail-service/bench.sh} prints the classpath; then
 * {@code java -cp <classpath> dev.llmops.guardrail.bench.ScanCpuHarness [seconds]}.
 */
public final class ScanCpuHarness {

    private ScanCpuHarness() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<String> phrases = List.of("ignore all previous instructions", "ignore previous instructions");
        List<Scanner> all = ScannerRegistry.all("US", phrases, PromptInjectionScanner.trainDefault(), 0.75);
        List<Scanner> rulesOnly = ScannerRegistry.all("US", phrases, null, 0.75).stream()
                .filter(s -> !s.name().equals("toxicity")).toList();
        List<Scanner> baseline = all.stream()
                .filter(s -> List.of("email", "phone", "payment-card", "blocked-phrase").contains(s.name())).toList();
        Policy policy = new Policy(Map.of(), PolicyAction.REDACT);
        String[] modes = {"baseline", "rules", "classifiers"};
        Inspector[] inspectors = {new Inspector(baseline, policy), new Inspector(rulesOnly, policy),
            new Inspector(all, policy)};
        int[] sizes = {1024, 2048, 8192, 65536};
        String tiny = "What is the capital of France? #48213-1764921530123456789";

        // Warm-up: every configuration, interleaved, about 20 s of CPU in all.
        long warmEnd = mx.getCurrentThreadCpuTime() + 20_000_000_000L;
        int sink = 0;
        while (mx.getCurrentThreadCpuTime() < warmEnd) {
            for (Inspector inspector : inspectors) {
                sink += inspector.inspect(new String(tiny)).size();
                for (int size : new int[] {1024, 2048, 8192}) {
                    sink += inspector.inspect(new String(InputScanBenchmark.prose(size))).size();
                }
            }
        }
        System.out.println("| scanners | prompt | calls | CPU p50 µs | CPU p99 µs | CPU mean µs |");
        System.out.println("|---|---|---|---|---|---|");
        for (int m = 0; m < modes.length; m++) {
            List<String> names = new ArrayList<>(List.of("tiny"));
            for (int size : sizes) {
                names.add(size / 1024 + " KB");
            }
            for (String name : names) {
                String prompt = name.equals("tiny") ? tiny
                        : InputScanBenchmark.prose(Integer.parseInt(name.replace(" KB", "")) * 1024);
                long[] samples = new long[1 << 16];
                int n = 0;
                long budgetEnd = mx.getCurrentThreadCpuTime() + (long) (seconds * 1e9);
                while (n < samples.length && mx.getCurrentThreadCpuTime() < budgetEnd) {
                    String text = new String(prompt); // a fresh String: the normaliser's per-thread cache must miss
                    long t0 = mx.getCurrentThreadCpuTime();
                    sink += inspectors[m].inspect(text).size();
                    samples[n++] = mx.getCurrentThreadCpuTime() - t0;
                }
                long[] s = Arrays.copyOf(samples, n);
                Arrays.sort(s);
                double mean = Arrays.stream(s).average().orElse(0);
                System.out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f |%n", modes[m], name, n,
                        s[n / 2] / 1e3, s[Math.min(n - 1, (int) (n * 0.99))] / 1e3, mean / 1e3);
            }
        }
        System.out.println("(" + sink + " hits)");
    }
}
