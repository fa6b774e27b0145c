package dev.llmops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where kubectl exists, renders each build with the real kustomize ({@code kubectl kustomize}, offline), runs the
 * same invariants on its output and checks that the Java loader produced exactly the same objects. Skipped
 * (not failed) where kubectl is absent: then ManifestsTest alone is the check.
 */
class KubectlKustomizeTest {

    static List<Path> roots() {
        return K8sDir.buildRoots();
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static boolean kubectlAvailable() {
        try {
            run(List.of("kubectl", "version", "--client"));
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("roots")
    void kustomizeOutputIsValidAndMatchesTheJavaLoader(Path root) throws Exception {
        assumeTrue(kubectlAvailable(), "kubectl not on PATH");
        List<Resource> rendered = new ArrayList<>();
        for (JsonNode doc : Yaml.documents(run(List.of("kubectl", "kustomize", root.toString())))) {
            rendered.add(new Resource("kubectl kustomize " + root.getFileName(), (ObjectNode) doc));
        }
        assertEquals(List.of(), K8sDir.validator().validate(rendered), "kustomize output of " + root);

        KustomizeLoader.Build ours = KustomizeLoader.load(root);
        assertEquals(byId(rendered), byId(ours.resources()), "Java loader and kustomize disagree for " + root);
    }

    private static Map<String, JsonNode> byId(List<Resource> rs) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (Resource r : rs) {
            m.put(r.id(), r.tree());
        }
        return m;
    }
}
