package dev.llmops.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Where the manifests are, and the validator configured for this repository. */
final class K8sDir {

    /** Bare host names that the cluster provides, not this install (documented in README.md). */
    static final Set<String> EXTERNAL_HOSTS = Set.of("otel-collector");

    private K8sDir() {
    }

    static Path root() {
        return Path.of(System.getProperty("k8s.dir", ".")).toAbsolutePath().normalize();
    }

    /** k8s/base and every k8s/overlays/* that has a kustomization. */
    static List<Path> buildRoots() {
        List<Path> roots = new ArrayList<>();
        roots.add(root().resolve("base"));
        try (Stream<Path> s = Files.list(root().resolve("overlays"))) {
            s.filter(p -> KustomizeLoader.kustomizationFile(p) != null).sorted().forEach(roots::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return roots;
    }

    static Map<String, Set<String>> documentedSecrets() {
        try {
            return ManifestValidator.documentedSecrets(root().resolve("secrets.example.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ManifestValidator validator() {
        return new ManifestValidator(documentedSecrets(), EXTERNAL_HOSTS);
    }
}
