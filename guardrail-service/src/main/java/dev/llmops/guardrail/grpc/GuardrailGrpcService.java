package dev.llmops.guardrail.grpc;

import dev.llmops.guardrail.output.JsonFormatCheck;
import dev.llmops.guardrail.service.CheckService;
import dev.llmops.guardrail.service.GuardrailFlow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import java.util.function.Supplier;
import llmops.common.v1.ChatMessage;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.MutinyGuardrailServiceGrpc;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/**
 * gRPC adapter: validates, then hands over to {@link GuardrailFlow}. Small texts are checked right on the event
 * loop (tens of microseconds, a thread hop would cost more); long ones on a worker thread (see the flow).
 */
@GrpcService
public class GuardrailGrpcService extends MutinyGuardrailServiceGrpc.GuardrailServiceImplBase {

    private final GuardrailFlow flow;
    private final CheckService checks;

    public GuardrailGrpcService(GuardrailFlow flow, CheckService checks) {
        this.flow = flow;
        this.checks = checks;
    }

    @Override
    public Uni<CheckInputResponse> checkInput(CheckInputRequest request) {
        return guarded(() -> {
            RequestValidator.validate(request);
            long chars = 0;
            for (ChatMessage m : request.getMessagesList()) {
                chars += m.getContent().length();
            }
            return flow.checkInput(request, chars);
        });
    }

    @Override
    public Uni<CheckOutputResponse> checkOutput(CheckOutputRequest request) {
        return guarded(() -> {
            RequestValidator.validate(request);
            try {
                checks.validateSchema(request);
            } catch (JsonFormatCheck.BadSchemaException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            return flow.checkOutput(request);
        });
    }

    @Override
    public Uni<RestorePlaceholdersResponse> restorePlaceholders(RestorePlaceholdersRequest request) {
        return guarded(() -> {
            RequestValidator.validate(request);
            return flow.restore(request);
        });
    }

    /** Validation errors become their status; anything unexpected becomes INTERNAL (logged, never with text). */
    static <T> Uni<T> guarded(Supplier<Uni<T>> call) {
        Uni<T> uni;
        try {
            uni = call.get();
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        } catch (RuntimeException e) {
            uni = Uni.createFrom().failure(e);
        }
        return uni.onFailure(e -> !(e instanceof StatusRuntimeException)).transform(e -> {
            if (isRedisDown(e)) {
                return Status.UNAVAILABLE.withDescription("the guardrail's Redis is unavailable; retry shortly")
                        .asRuntimeException();
            }
            Log.error("guardrail call failed", e);
            return Status.INTERNAL.withDescription("the guardrail failed to handle this request; it was logged")
                    .asRuntimeException();
        });
    }

    private static boolean isRedisDown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t.getClass().getName().contains("Redis")
                    || String.valueOf(t.getMessage()).contains("Connection refused")) {
                return true;
            }
        }
        return false;
    }
}
