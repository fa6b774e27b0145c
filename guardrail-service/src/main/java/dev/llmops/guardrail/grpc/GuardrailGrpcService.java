package dev.llmops.guardrail.grpc;

import dev.llmops.guardrail.service.GuardrailCalls;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.MutinyGuardrailServiceGrpc;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/** gRPC adapter of {@link GuardrailCalls} (validation, the checks, every failure a status). */
@GrpcService
public class GuardrailGrpcService extends MutinyGuardrailServiceGrpc.GuardrailServiceImplBase {

    private final GuardrailCalls calls;

    public GuardrailGrpcService(GuardrailCalls calls) {
        this.calls = calls;
    }

    @Override
    public Uni<CheckInputResponse> checkInput(CheckInputRequest request) {
        return calls.checkInput(request);
    }

    @Override
    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        return calls.checkOutput(request);
    }

    @Override
    public Uni<RestorePlaceholdersResponse> restorePlaceholders(RestorePlaceholdersRequest request) {
        return calls.restorePlaceholders(request);
    }
}
