package dev.llmops.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The part of RFC 6902 that kustomize patches here use: add, replace and remove. */
final class JsonPatch {

    private JsonPatch() {
    }

    static void apply(ObjectNode doc, ArrayNode ops, String where, List<String> problems) {
        for (JsonNode op : ops) {
            String kind = op.path("op").asText("");
            String path = op.path("path").asText("");
            if (!path.startsWith("/")) {
                problems.add(where + ": JSON patch path must start with /: " + path);
                continue;
            }
            String[] parts = path.substring(1).split("/", -1);
            JsonNode parent = doc;
            for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                parent = child(parent, unescape(parts[i]));
            }
            String last = unescape(parts[parts.length - 1]);
            if (parent == null || !(parent.isObject() || parent.isArray())) {
                problems.add(where + ": JSON patch path " + path + " does not exist in " + doc.path("kind").asText()
                        + "/" + doc.path("metadata").path("name").asText());
                continue;
            }
            switch (kind) {
                case "add", "replace" -> set(parent, last, op.path("value").deepCopy(), kind.equals("add"), where, path,
                        problems);
                case "remove" -> {
                    if (parent instanceof ObjectNode o) {
                        o.remove(last);
                    } else {
                        ((ArrayNode) parent).remove(Integer.parseInt(last));
                    }
                }
                default -> problems.add(where + ": unsupported JSON patch op " + kind);
            }
        }
    }

    private static void set(JsonNode parent, String key, JsonNode value, boolean add, String where, String path,
            List<String> problems) {
        if (parent instanceof ObjectNode o) {
            o.set(key, value);
            return;
        }
        ArrayNode a = (ArrayNode) parent;
        if (key.equals("-")) {
            a.add(value);
            return;
        }
        try {
            int i = Integer.parseInt(key);
            if (add) {
                a.insert(i, value);
            } else {
                a.set(i, value);
            }
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            problems.add(where + ": bad array index in JSON patch path " + path);
        }
    }

    private static JsonNode child(JsonNode node, String key) {
        if (node.isArray()) {
            try {
                return node.get(Integer.parseInt(key));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return node.get(key);
    }

    private static String unescape(String s) {
        return s.replace("~1", "/").replace("~0", "~");
    }
}
