package dev.llmops.guardrail.scanner;

import dev.llmops.guardrail.classifier.NaiveBayes;
import dev.llmops.guardrail.config.GuardrailConfig;
import io.quarkus.logging.Log;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The one place scanners are registered. Adding a scanner means one class and one line here. */
@Singleton
public class ScannerRegistry {

    private final List<Scanner> scanners;

    public ScannerRegistry(GuardrailConfig config) {
        long t0 = System.nanoTime();
        NaiveBayes injectionModel = config.injection().classifier() ? PromptInjectionScanner.trainDefault() : null;
        List<Scanner> all = all(config.phone().defaultRegion(), config.blockedPhrases(), injectionModel,
                config.injection().threshold());
        Set<String> disabled = config.disabledScanners().orElse(List.of()).stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> known = all.stream().map(Scanner::name).collect(Collectors.toSet());
        known.add(TopicScanner.NAME);
        for (String name : disabled) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("llmops.guardrail.disabled-scanners names '" + name
                        + "', which is not a scanner; known scanners: " + known);
            }
        }
        List<Scanner> enabled = new ArrayList<>();
        for (Scanner s : all) {
            if (!disabled.contains(s.name())) {
                enabled.add(s);
            }
        }
        this.scanners = List.copyOf(enabled);
        Log.infof("Guardrail scanners enabled: %s (built in %d ms)", scanners.stream().map(Scanner::name).toList(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Every scanner, in a fixed order; shared by the service, the accuracy harness and the benchmarks. */
    public static List<Scanner> all(String phoneRegion, List<String> blockedPhrases, NaiveBayes injectionModel,
            double injectionThreshold) {
        return List.of(
                new EmailScanner(),
                new PhoneScanner(phoneRegion),
                new PaymentCardScanner(),
                new IbanScanner(),
                new UsSsnScanner(),
                new IpAddressScanner(),
                new DateOfBirthScanner(),
                new PersonNameScanner(),
                new StreetAddressScanner(),
                new SecretScanner(),
                new BlockedPhraseScanner(blockedPhrases),
                new PromptInjectionScanner(injectionModel, injectionThreshold),
                new ToxicityScanner());
    }

    public List<Scanner> scanners() {
        return scanners;
    }

    /** Names that a tenant policy may switch off. */
    public Set<String> names() {
        Set<String> names = scanners.stream().map(Scanner::name).collect(Collectors.toSet());
        names.add(TopicScanner.NAME);
        names.add(dev.llmops.guardrail.output.JsonFormatCheck.NAME);
        names.add(dev.llmops.guardrail.output.RefusalDetector.NAME);
        names.add(dev.llmops.guardrail.service.OutputChecks.GROUNDING);
        return names;
    }
}
