package dev.llmops.guardrail.service;

import java.util.List;
import llmops.common.v1.Caller;
import llmops.guardrail.v1.Action;
import llmops.guardrail.v1.Direction;
import llmops.guardrail.v1.Finding;

/** Where audit events go; one implementation per transport, so checks do not depend on the broker's client. */
public interface AuditSink {
    /** Fire and forget: never blocks, never throws; failures are logged and counted by the implementation. */
    void publish(Caller caller, String requestId, Direction direction, Action verdict, List<Finding> findings,
            long policyVersion, String reviewId, long nanos);
}
