package dev.llmops.guardrail.scanner;

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
        List<Scanner> all = List.of(
                new EmailScanner(),
                new PhoneScanner(config.phone().defaultRegion()),
                new PaymentCardScanner(),
                new BlockedPhraseScanner(config.blockedPhrases()));
        Set<String> disabled = config.disabledScanners().orElse(List.of()).stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> known = all.stream().map(Scanner::name).collect(Collectors.toSet());
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
        Log.infof("Guardrail scanners enabled: %s", scanners.stream().map(Scanner::name).toList());
    }

    public List<Scanner> scanners() {
        return scanners;
    }
}
