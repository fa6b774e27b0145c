package dev.llmops.router.pipeline;

import dev.llmops.router.ChatExchange;
import llmops.events.v1.UsageEvent;

/** The usage event's fields for reports: when the request ran, its route and tier, and what a cache hit avoided. */
final class UsageEventDetails {
    private UsageEventDetails() {
    }

    static UsageEvent.Builder fill(UsageEvent.Builder event, ChatExchange ex) {
        // when the request started: the ledger prices it at the price then, as Settle did
        event.setOccurredUnixMs(ex.startedUnixMs()).setRoute(ex.route().name()).setTier(ex.tier());
        if (ex.cacheHit() && ex.result() != null) {
            // the usage recorded with the cached answer: what the provider call would have used
            event.setAvoidedUsage(ex.result().usage());
            if (ex.result().model() != null) {
                event.setAvoidedModel(ex.result().model()); // priced at the model that made it, not the route
            }
        }
        return event;
    }
}
