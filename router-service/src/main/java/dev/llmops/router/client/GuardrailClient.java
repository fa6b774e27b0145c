package dev.llmops.router.client;

import dev.llmops.router.config.RouterConfig;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.MutinyGuardrailServiceGrpc.MutinyGuardrailServiceStub;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/** The guardrail-service, with a deadline on every call. Failures are UNAVAILABLE: the router fails closed. */
@ApplicationScoped
public class GuardrailClient {
    private final MutinyGuardrailServiceStub stub;
    private final long deadlineMillis;

    public GuardrailClient(@GrpcClient("guardrail") MutinyGuardrailServiceStub stub, RouterConfig config) {
        this.stub = stub;
        this.deadlineMillis = config.deadlines().guardrail().toMillis();
    }

    public Uni<CheckInputResponse> checkInput(CheckInputRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).checkInput(request)
                .onFailure().transform(e -> Downstream.map("guardrail-service", e));
    }

    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).checkOutput(request)
                .onFailure().transform(e -> Downstream.map("guardrail-service", e));
    }

    /** The originals put back in place of this request's placeholders (streamed pieces, cached answers). */
    public Uni<RestorePlaceholdersResponse> restorePlaceholders(RestorePlaceholdersRequest request) {
        return stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).restorePlaceholders(request)
                .onFailure().transform(e -> Downstream.map("guardrail-service", e));
    }
}
