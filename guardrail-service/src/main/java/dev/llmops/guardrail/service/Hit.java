package dev.llmops.guardrail.service;

import dev.llmops.guardrail.Detection;
import dev.llmops.guardrail.PolicyAction;

/** A detection that survived overlap resolution, with the action the policy gives it. */
public record Hit(Detection detection, PolicyAction action) {
}
