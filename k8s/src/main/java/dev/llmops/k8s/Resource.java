package dev.llmops.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Kubernetes object as loaded from YAML, before typed binding.
 *
 * @param origin where it came from (a file path relative to the build root, or a label), for messages
 * @param tree   the raw document; patches and namespaces are applied to it in place
 */
public record Resource(String origin, ObjectNode tree) {

    public String kind() {
        return tree.path("kind").asText("");
    }

    public String name() {
        return tree.path("metadata").path("name").asText("");
    }

    /** {@code Kind/name} as kubectl prints it. */
    public String id() {
        return kind() + "/" + name();
    }

    public JsonNode labels() {
        return tree.path("metadata").path("labels");
    }

    @Override
    public String toString() {
        return origin + ": " + id();
    }
}
