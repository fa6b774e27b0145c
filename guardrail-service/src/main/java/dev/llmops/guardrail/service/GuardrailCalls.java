package dev.llmops.guardrail.service;

import dev.llmops.guardrail.output.JsonFormatCheck;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;
import llmops.common.v1.ChatMessage;
import llmops.guardrail.v1.CheckInputRequest;
import llmops.guardrail.v1.CheckInputResponse;
import llmops.guardrail.v1.CheckOutputRequest;
import llmops.guardrail.v1.CheckOutputResponse;
import llmops.guardrail.v1.RestorePlaceholdersRequest;
import llmops.guardrail.v1.RestorePlaceholdersResponse;

/**
 * The guardrail's three calls as the contract defines them, validated, with every failure a gRPC status: what the
 * gRPC service serves, and what the router runs in its own process (the {@code checks} jar) when it checks without
 * a call. Small texts are checked on the calling thread (tens of microseconds, a thread hop would cost more); long
 * ones on a worker thread (see {@link GuardrailFlow}).
 */
@ApplicationScoped
public class GuardrailCalls {

    private final GuardrailFlow flow;
    private final CheckService checks;

    public GuardrailCalls(GuardrailFlow flow, CheckService checks) {
        this.flow = flow;
        this.checks = checks;
    }

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

    public Uni<RestorePlaceholdersResponse> restorePlaceholders(RestorePlaceholdersRequest request) {
        return guarded(() -> {
            RequestValidator.validate(request);
            return flow.restore(request);
        });
    }

    /** Validation errors become their status; anything unexpected becomes INTERNAL (logged, never with text). */
    public static <T> Uni<T> guarded(Supplier<Uni<T>> call) {
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
