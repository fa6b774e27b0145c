package dev.llmops.cache.service;

import java.util.List;
import llmops.cache.v1.StoreRequest;

/** What is never cached, whatever the tier: the first rule that applies names the reason Store declines. */
final class StoreRules {
    static final List<String> REASONS = List.of("is_error", "answer_flagged", "unredacted_pii", "opted_out",
            "tenant_opted_out");

    private StoreRules() {
    }

    static String declineReason(StoreRequest r, boolean tenantOptedOut) {
        if (r.getIsError()) {
            return "is_error";
        }
        if (r.getAnswerFlagged()) {
            return "answer_flagged";
        }
        if (r.getContainsUnredactedPii()) {
            return "unredacted_pii";
        }
        if (r.getOptedOut()) {
            return "opted_out";
        }
        if (tenantOptedOut) {
            return "tenant_opted_out";
        }
        return null;
    }
}
