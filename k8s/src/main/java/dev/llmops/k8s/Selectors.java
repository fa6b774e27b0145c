package dev.llmops.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.Map;

/** Label selector matching. */
final class Selectors {

    private Selectors() {
    }

    /** {@code selector} (a map of equalities) matches {@code labels}; an empty selector matches nothing. */
    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        if (selector == null || selector.isEmpty() || labels == null) {
            return false;
        }
        return labels.entrySet().containsAll(selector.entrySet());
    }

    /** A Kubernetes LabelSelector (matchLabels and matchExpressions) matches {@code labels}. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null || labels == null) {
            return false;
        }
        boolean any = false;
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().isEmpty()) {
            any = true;
            if (!matches(selector.getMatchLabels(), labels)) {
                return false;
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                any = true;
                String v = labels.get(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && r.getValues().contains(v);
                    case "NotIn" -> v == null || !r.getValues().contains(v);
                    case "Exists" -> v != null;
                    case "DoesNotExist" -> v == null;
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return any;
    }

    /** A kubectl-style equality selector such as {@code a=b,c=d} against raw labels. */
    static boolean matchesEquality(String selector, JsonNode labels) {
        for (String term : selector.split(",")) {
            String[] kv = term.trim().split("==?", 2);
            if (kv.length != 2 || !kv[1].trim().equals(labels.path(kv[0].trim()).asText(null))) {
                return false;
            }
        }
        return true;
    }
}
