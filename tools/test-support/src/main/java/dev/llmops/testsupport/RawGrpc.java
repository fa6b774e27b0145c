package dev.llmops.testsupport;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Calls a gRPC method with raw bytes for its request, as a client of another language might send them. */
public final class RawGrpc {
    /** A varint that never ends: no protobuf message at all. */
    public static final byte[] NOT_PROTOBUF = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private RawGrpc() {
    }

    /**
     * Fails unless {@code status} is INVALID_ARGUMENT with a description that names {@code type} (the request message
     * to send) and says string fields must be UTF-8: what grpc-support answers for a request gRPC cannot read.
     */
    public static void assertInvalidArgumentNaming(String type, Status status) {
        String description = String.valueOf(status.getDescription());
        if (status.getCode() != Status.Code.INVALID_ARGUMENT || !description.contains(type)
                || !description.contains("UTF-8")) {
            throw new AssertionError("expected INVALID_ARGUMENT naming " + type + " and UTF-8, got " + status);
        }
    }

    /** How a call of the unary or server-streaming {@code method} with {@code request} ended: OK when it answered. */
    public static Status call(Channel channel, MethodDescriptor<?, ?> method, byte[] request) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES).build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        try {
            if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
                ClientCalls.blockingServerStreamingCall(channel, raw, options, request).forEachRemaining(ignored -> { });
            } else {
                ClientCalls.blockingUnaryCall(channel, raw, options, request);
            }
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }
}
