package dev.llmops.router.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** How a failed call to an internal service reaches the router's caller. */
final class Downstream {
    private Downstream() {
    }

    /**
     * Keeps statuses that speak to the caller (RESOURCE_EXHAUSTED, INVALID_ARGUMENT...) and turns the rest into
     * UNAVAILABLE naming the service, so an outage is never reported as the caller's fault.
     */
    static Throwable map(String service, Throwable error) {
        Status status = Status.fromThrowable(error);
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, RESOURCE_EXHAUSTED, PERMISSION_DENIED, FAILED_PRECONDITION -> error;
            case DEADLINE_EXCEEDED -> Status.UNAVAILABLE.withDescription(service + " did not answer within its deadline")
                    .withCause(error).asRuntimeException();
            default -> Status.UNAVAILABLE.withDescription(service + " is unavailable: " + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription()))
                    .withCause(error).asRuntimeException();
        };
    }

    static boolean isStatus(Throwable error, Status.Code code) {
        return error instanceof StatusRuntimeException s && s.getStatus().getCode() == code;
    }
}
