package dev.llmops.guardrail.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.guardrail.v1.CheckInputRequest;

/** Checks the fields the guardrail relies on; every problem becomes INVALID_ARGUMENT that says how to fix it. */
final class RequestValidator {

    private RequestValidator() {
    }

    static void validate(CheckInputRequest request) {
        List<ChatMessage> messages = request.getMessagesList();
        if (messages.isEmpty()) {
            throw invalid("messages is empty: send at least one message to check");
        }
        for (int i = 0; i < messages.size(); i++) {
            Role role = messages.get(i).getRole();
            if (role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED) {
                throw invalid("messages[" + i + "].role is " + (role == Role.UNRECOGNIZED
                        ? "an unknown value (" + messages.get(i).getRoleValue() + ")" : "ROLE_UNSPECIFIED")
                        + ": set ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT, ROLE_TOOL or ROLE_DEVELOPER");
            }
        }
    }

    private static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }
}
