package dev.llmops.router.limits;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.OptionalLong;

/**
 * A status with {@code google.rpc.RetryInfo} in its details (gRPC's standard retry hint; clients read it from the
 * {@code grpc-status-details-bin} trailer), and back to seconds for HTTP's {@code retry-after}.
 */
public final class RetryInfos {
    private RetryInfos() {
    }

    public static StatusRuntimeException exhausted(String message, long retryAfterMs) {
        return withRetryInfo(Status.Code.RESOURCE_EXHAUSTED, message, retryAfterMs, new Metadata());
    }

    /**
     * A status of any code (e.g. UNAVAILABLE when every upstream of a route was down and one said when to come back)
     * with the wait in RetryInfo, plus the given trailers.
     */
    public static StatusRuntimeException withRetryInfo(Status.Code code, String message, long retryAfterMs,
            Metadata trailers) {
        long ms = Math.max(0, retryAfterMs);
        RetryInfo info = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000)).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value()).setMessage(message).addDetails(Any.pack(info)).build(), trailers);
    }

    /** Whole seconds to wait (rounded up, at least 1) from the error's RetryInfo, if it carries one. */
    public static OptionalLong retryAfterSeconds(Throwable error) {
        com.google.rpc.Status status = StatusProto.fromThrowable(error);
        if (status == null) {
            return OptionalLong.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(RetryInfo.class)) {
                try {
                    com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
                    long ms = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
                    return OptionalLong.of(Math.max(1, (ms + 999) / 1000));
                } catch (InvalidProtocolBufferException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
