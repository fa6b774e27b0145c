package dev.llmops.guardrail.grpc;

import dev.llmops.guardrail.config.GuardrailConfig;
import dev.llmops.guardrail.service.CheckService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.function.Supplier;
import llmops.common.v1.ChatMessage;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.MutinyGuardrailServiceGrpc;

/**
 * gRPC adapter. Small texts are checked right on the event loop (tens of microseconds, a thread hop would cost
 * more); texts over {@code llmops.guardrail.offload-threshold-chars} go to a worker thread so one long prompt
 * cannot stall other requests on the same loop.
 */
@GrpcService
public class GuardrailGrpcService extends MutinyGuardrailServiceGrpc.GuardrailServiceImplBase {

    private final CheckService checks;
    private final int offloadThreshold;

    public GuardrailGrpcService(CheckService checks, GuardrailConfig config) {
        this.checks = checks;
        this.offloadThreshold = config.offloadThresholdChars();
    }

    @Override
    public Uni<CheckInputResponse> checkInput(CheckInputRequest request) {
        try {
            RequestValidator.validate(request);
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        long chars = 0;
        for (ChatMessage m : request.getMessagesList()) {
            chars += m.getContent().length();
        }
        return run(() -> checks.checkInput(request), chars);
    }

    @Override
    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        return run(() -> checks.checkOutput(request), request.getContent().length());
    }

    private <T> Uni<T> run(Supplier<T> check, long chars) {
        Uni<T> uni = Uni.createFrom().item(check);
        if (chars > offloadThreshold) {
            uni = uni.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return uni.onFailure(e -> !(e instanceof StatusRuntimeException)).transform(e -> {
            Log.error("guardrail check failed", e);
            return Status.INTERNAL.withDescription("the guardrail failed to check this request; it was logged")
                    .asRuntimeException();
        });
    }
}
