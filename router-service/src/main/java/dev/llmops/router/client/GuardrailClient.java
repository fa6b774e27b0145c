package dev.llmops.router.client;

import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.service.GuardrailCalls;
import dev.llmops.router.config.RouterConfig;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.MutinyGuardrailServiceGrpc.MutinyGuardrailServiceStub;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/**
 * The guardrail, with a deadline on every check. In-process ({@code llmops.router.guardrail-in-process}, the default)
 * the guardrail-service's own {@link GuardrailCalls} run here, over the guardrail's Redis state and audit queue: no
 * call, so no round trip for a check that needs no I/O; an output check with context documents is still a call
 * unless this process loads the embedding model (grounding must score as the service does). Failures are
 * UNAVAILABLE: the router fails closed.
 */
@ApplicationScoped
public class GuardrailClient {
    private final MutinyGuardrailServiceStub stub;
    private final GuardrailCalls local;
    private final boolean inProcess;
    private final boolean localGrounding;
    private final long deadlineMillis;

    public GuardrailClient(@GrpcClient("guardrail") MutinyGuardrailServiceStub stub, GuardrailCalls local,
            GuardrailConfig guardrailConfig, RouterConfig config) {
        this.stub = stub;
        this.local = local;
        this.inProcess = config.guardrailInProcess();
        this.localGrounding = guardrailConfig.grounding().embeddings();
        this.deadlineMillis = config.deadlines().guardrail().toMillis();
    }

    public Uni<CheckInputResponse> checkInput(CheckInputRequest request) {
        return inProcess ? local(local.checkInput(request))
                : remote(stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).checkInput(request));
    }

    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        return inProcess && (localGrounding || request.getContextDocumentsCount() == 0)
                ? local(local.checkOutput(request))
                : remote(stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).checkOutput(request));
    }

    /** The originals put back in place of this request's placeholders (streamed pieces, cached answers). */
    public Uni<RestorePlaceholdersResponse> restorePlaceholders(RestorePlaceholdersRequest request) {
        return inProcess ? local(local.restorePlaceholders(request))
                : remote(stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).restorePlaceholders(request));
    }

    private <T> Uni<T> local(Uni<T> check) {
        return check.ifNoItem().after(Duration.ofMillis(deadlineMillis))
                .failWith(() -> Status.DEADLINE_EXCEEDED.asRuntimeException())
                .onFailure().transform(e -> Downstream.map("the guardrail (in process)", e));
    }

    private static <T> Uni<T> remote(Uni<T> call) {
        return call.onFailure().transform(e -> Downstream.map("guardrail-service", e));
    }
}
