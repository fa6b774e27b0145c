package dev.llmops.guardrail.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.ResponseFormatType;
import llmops.common.v1.Role;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.ContextDocument;
import llmops.guardrail.v1.RestorePlaceholdersRequest;

/** Checks the fields the guardrail relies on; every problem becomes INVALID_ARGUMENT that says how to fix it. */
public final class RequestValidator {
    /** Context documents beyond this are refused: grounding is linear in their size, and so is the answer. */
    static final int MAX_CONTEXT_DOCUMENTS = 64;

    private RequestValidator() {
    }

    public static void validate(CheckInputRequest request) {
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

    public static void validate(CheckOutputRequest request) {
        if (request.getRestorePlaceholders() && request.getRequestId().isEmpty()) {
            throw invalid("restore_placeholders needs the request_id that was given to CheckInput");
        }
        if (request.getContextDocumentsCount() > MAX_CONTEXT_DOCUMENTS) {
            throw invalid("context_documents has " + request.getContextDocumentsCount() + " entries; at most "
                    + MAX_CONTEXT_DOCUMENTS + " are checked: send the ones the answer was generated from");
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < request.getContextDocumentsCount(); i++) {
            ContextDocument d = request.getContextDocuments(i);
            if (!d.getId().isEmpty() && !ids.add(d.getId())) {
                throw invalid("context_documents[" + i + "].id '" + d.getId() + "' is used twice: ids must be unique");
            }
        }
        if (request.hasResponseFormat()) {
            ResponseFormatType type = request.getResponseFormat().getType();
            if (type == ResponseFormatType.UNRECOGNIZED) {
                throw invalid("response_format.type is an unknown value");
            }
            if (type == ResponseFormatType.RESPONSE_FORMAT_TYPE_JSON_SCHEMA
                    && request.getResponseFormat().getJsonSchema().isBlank()) {
                throw invalid("response_format.type is RESPONSE_FORMAT_TYPE_JSON_SCHEMA but json_schema is empty");
            }
        }
    }

    public static void validate(RestorePlaceholdersRequest request) {
        if (request.getRequestId().isEmpty()) {
            throw invalid("request_id is empty: give the request_id that was sent to CheckInput");
        }
    }

    public static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }
}
