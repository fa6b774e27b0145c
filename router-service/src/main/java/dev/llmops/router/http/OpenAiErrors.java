package dev.llmops.router.http;

import io.grpc.Status;
import io.quarkus.logging.Log;
import io.vertx.core.json.JsonObject;

/** gRPC statuses as OpenAI's HTTP error JSON: {"error": {"message", "type", "param", "code"}}. */
public final class OpenAiErrors {
    private OpenAiErrors() {
    }

    public static int httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case FAILED_PRECONDITION -> 422;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }

    public static JsonObject body(Throwable error) {
        Status status = Status.fromThrowable(error);
        String message = status.getDescription();
        if (message == null || status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL) {
            Log.errorf(error, "internal error answering a request");
            message = message == null ? "internal error" : message;
        }
        String type = switch (status.getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION, NOT_FOUND -> "invalid_request_error";
            case UNAUTHENTICATED -> "authentication_error";
            case PERMISSION_DENIED -> "permission_error";
            case RESOURCE_EXHAUSTED -> "rate_limit_error";
            default -> "api_error";
        };
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
                .putNull("param").put("code", status.getCode().name().toLowerCase(java.util.Locale.ROOT)));
    }
}
