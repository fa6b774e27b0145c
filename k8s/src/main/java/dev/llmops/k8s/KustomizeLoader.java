package dev.llmops.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a kustomization the way {@code kubectl kustomize} does, for the features this repository uses:
 * nested kustomization folders, resource files (multi-document), {@code namespace}, strategic-merge patches
 * (maps merged, lists replaced: enough for ConfigMap data) and JSON 6902 patches ({@code add}, {@code replace},
 * {@code remove}) with a {@code target}. It needs no kubectl; where kubectl exists, {@code KubectlKustomizeTest}
 * compares the two results.
 */
public final class KustomizeLoader {

    static final List<String> FILE_NAMES = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

    /** The outcome of loading one build root. */
    public record Build(List<Resource> resources, List<String> problems, Set<Path> filesUsed) {
    }

    private final Path root;
    private final List<String> problems = new ArrayList<>();
    private final Set<Path> filesUsed = new LinkedHashSet<>();

    private KustomizeLoader(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Loads the kustomization in {@code dir} and everything it references. */
    public static Build load(Path dir) {
        KustomizeLoader loader = new KustomizeLoader(dir);
        List<Resource> resources = loader.loadDir(loader.root, new HashSet<>());
        return new Build(resources, loader.problems, loader.filesUsed);
    }

    /** The kustomization file in {@code dir}, or null. */
    public static Path kustomizationFile(Path dir) {
        for (String n : FILE_NAMES) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private String rel(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path base = root.getParent() == null ? root : root.getParent();
        return abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
    }

    private List<Resource> loadDir(Path dir, Set<Path> stack) {
        Path file = kustomizationFile(dir);
        if (file == null) {
            problems.add(rel(dir) + ": no kustomization.yaml in this folder");
            return List.of();
        }
        if (!stack.add(dir)) {
            problems.add(rel(dir) + ": kustomization cycle");
            return List.of();
        }
        filesUsed.add(file.toAbsolutePath().normalize());
        Kustomization k;
        try {
            k = Yaml.MAPPER.readValue(Files.readString(file), Kustomization.class);
        } catch (IOException e) {
            problems.add(rel(file) + ": not a valid Kustomization: " + Yaml.shortMessage(e));
            stack.remove(dir);
            return List.of();
        }
        if (!"kustomize.config.k8s.io/v1beta1".equals(k.apiVersion()) || !"Kustomization".equals(k.kind())) {
            problems.add(rel(file) + ": apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization");
        }
        List<Resource> out = new ArrayList<>();
        for (String entry : k.resourcesOrEmpty()) {
            if (entry.contains("://") || entry.startsWith("github.com/")) {
                problems.add(rel(file) + ": remote resource " + entry + " cannot be checked offline");
                continue;
            }
            Path p = dir.resolve(entry).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(loadDir(p, stack));
            } else if (Files.isRegularFile(p)) {
                out.addAll(loadFile(p));
            } else {
                problems.add(rel(file) + ": resource " + entry + " does not exist");
            }
        }
        for (Kustomization.Patch patch : k.patchesOrEmpty()) {
            applyPatch(file, dir, patch, out);
        }
        if (k.namespace() != null) {
            for (Resource r : out) {
                if (!"Namespace".equals(r.kind())) {
                    metadata(r.tree()).put("namespace", k.namespace());
                }
            }
        }
        stack.remove(dir);
        return out;
    }

    private List<Resource> loadFile(Path p) {
        filesUsed.add(p.toAbsolutePath().normalize());
        List<Resource> out = new ArrayList<>();
        try {
            for (JsonNode doc : Yaml.documents(Files.readString(p))) {
                if (doc instanceof ObjectNode o) {
                    out.add(new Resource(rel(p), o));
                } else {
                    problems.add(rel(p) + ": a document is not a YAML mapping");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            problems.add(rel(p) + ": unreadable YAML: " + Yaml.shortMessage(e));
        }
        return out;
    }

    private void applyPatch(Path kFile, Path dir, Kustomization.Patch patch, List<Resource> resources) {
        String where;
        String text;
        try {
            if (patch.path() != null) {
                Path p = dir.resolve(patch.path()).normalize();
                where = rel(p);
                if (!Files.isRegularFile(p)) {
                    problems.add(rel(kFile) + ": patch " + patch.path() + " does not exist");
                    return;
                }
                filesUsed.add(p.toAbsolutePath().normalize());
                text = Files.readString(p);
            } else if (patch.patch() != null) {
                where = rel(kFile) + " (inline patch)";
                text = patch.patch();
            } else {
                problems.add(rel(kFile) + ": a patch needs path or patch");
                return;
            }
        } catch (IOException e) {
            problems.add(rel(kFile) + ": unreadable patch: " + e.getMessage());
            return;
        }
        List<JsonNode> docs;
        try {
            docs = Yaml.documents(text);
        } catch (UncheckedIOException e) {
            problems.add(where + ": unreadable YAML: " + Yaml.shortMessage(e));
            return;
        }
        for (JsonNode doc : docs) {
            if (doc.isArray()) {
                if (patch.target() == null) {
                    problems.add(where + ": a JSON 6902 patch needs a target");
                    continue;
                }
                List<Resource> hits = matching(resources, patch.target());
                if (hits.isEmpty()) {
                    problems.add(where + ": patch target matches no resource");
                }
                for (Resource r : hits) {
                    JsonPatch.apply(r.tree(), (ArrayNode) doc, where, problems);
                }
            } else if (doc instanceof ObjectNode smp) {
                Kustomization.Target t = patch.target() != null ? patch.target()
                        : new Kustomization.Target(null, null, smp.path("kind").asText(null),
                                smp.path("metadata").path("name").asText(null), null, null, null);
                List<Resource> hits = matching(resources, t);
                if (hits.isEmpty()) {
                    problems.add(where + ": patch for " + t.kind() + "/" + t.name() + " matches no resource");
                }
                for (Resource r : hits) {
                    merge(r.tree(), smp);
                }
            }
        }
    }

    private static List<Resource> matching(List<Resource> resources, Kustomization.Target t) {
        List<Resource> hits = new ArrayList<>();
        for (Resource r : resources) {
            String apiVersion = r.tree().path("apiVersion").asText("");
            if (t.kind() != null && !t.kind().equals(r.kind())) {
                continue;
            }
            if (t.name() != null && !t.name().equals(r.name())) {
                continue;
            }
            if (t.group() != null && !t.group().equals(Kustomization.groupOf(apiVersion))) {
                continue;
            }
            if (t.version() != null && !apiVersion.endsWith("/" + t.version()) && !apiVersion.equals(t.version())) {
                continue;
            }
            if (t.labelSelector() != null && !Selectors.matchesEquality(t.labelSelector(), r.labels())) {
                continue;
            }
            hits.add(r);
        }
        return hits;
    }

    /** Strategic merge as far as this repository needs it: maps merge recursively, a null removes, the rest replaces. */
    static void merge(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode current = target.get(e.getKey());
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (current instanceof ObjectNode c && value instanceof ObjectNode v) {
                merge(c, v);
            } else {
                target.set(e.getKey(), value.deepCopy());
            }
        }
    }

    private static ObjectNode metadata(ObjectNode tree) {
        JsonNode m = tree.get("metadata");
        return m instanceof ObjectNode o ? o : tree.putObject("metadata");
    }
}
