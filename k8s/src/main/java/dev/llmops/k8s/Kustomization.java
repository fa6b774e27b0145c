package dev.llmops.k8s;

import java.util.List;
import java.util.Map;

/**
 * The subset of kustomize's Kustomization that this repository uses, bound strictly: a field kustomize
 * knows but this list does not fails the validation, so extend the record when a manifest needs more.
 */
public record Kustomization(
        String apiVersion,
        String kind,
        String namespace,
        List<String> resources,
        List<Patch> patches,
        List<Label> labels,
        Map<String, String> commonLabels,
        Map<String, String> commonAnnotations,
        List<Image> images) {

    public List<String> resourcesOrEmpty() {
        return resources == null ? List.of() : resources;
    }

    public List<Patch> patchesOrEmpty() {
        return patches == null ? List.of() : patches;
    }

    /** A strategic-merge or JSON 6902 patch, from a file ({@code path}) or inline ({@code patch}). */
    public record Patch(String path, String patch, Target target, Map<String, Boolean> options) {
    }

    /** Which resources a patch applies to. */
    public record Target(String group, String version, String kind, String name, String namespace,
            String labelSelector, String annotationSelector) {
    }

    /** {@code labels:} entries. */
    public record Label(Map<String, String> pairs, Boolean includeSelectors, Boolean includeTemplates,
            List<Map<String, Object>> fields) {
    }

    /** {@code images:} entries. */
    public record Image(String name, String newName, String newTag, String digest) {
    }

    /** The group of an apiVersion such as {@code apps/v1} ({@code ""} for the core group). */
    static String groupOf(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }
}
