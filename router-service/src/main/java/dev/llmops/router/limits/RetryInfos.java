package dev.llmops.router.limits;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.OptionalLong;

/**
 * RESOURCE_EXHAUSTED with {@code google.rpc.RetryInfo} in the status details (gRPC's standard retry hint; clients
 * read it from the {@code grpc-status-details-bin} trailer), and back to seconds for HTTP's {@code retry-after}.
 */
public final class RetryInfos {
    private RetryInfos() {
    }

    public static StatusRuntimeException exhausted(String message, long retryAfterMs) {
        long ms = Math.max(0, retryAfterMs);
        RetryInfo info = RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
                .setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000)).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(message).addDetails(Any.pack(info)).build());
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
