package dev.llmops.router.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmops.testsupport.IsolatedServersResource;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import llmops.router.v1.RouterServiceGrpc;
import org.junit.jupiter.api.Test;

/** What a client of another language gets for bytes gRPC cannot read as the method's request message. */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
class UnreadableRequestTest {
    /** ChatRequest.model (field 2) holding 0xC3 0x28: not UTF-8. */
    static final byte[] MODEL_NOT_UTF8 = {0x12, 0x02, (byte) 0xC3, 0x28};
    /** ChatStreamRequest.chat (field 1) holding the same. */
    static final byte[] STREAM_MODEL_NOT_UTF8 = {0x0A, 0x04, 0x12, 0x02, (byte) 0xC3, 0x28};
    /** A varint that never ends: no protobuf message at all. */
    static final byte[] NOT_PROTOBUF = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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

    @GrpcClient("router")
    RouterServiceGrpc.RouterServiceBlockingStub router;

    Status chat(byte[] body) {
        MethodDescriptor<byte[], byte[]> raw = RouterServiceGrpc.getChatMethod().toBuilder(BYTES, BYTES).build();
        return assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(router.getChannel(), raw, CallOptions.DEFAULT, body)).getStatus();
    }

    Status chatStream(byte[] body) {
        MethodDescriptor<byte[], byte[]> raw = RouterServiceGrpc.getChatStreamMethod().toBuilder(BYTES, BYTES).build();
        return assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingServerStreamingCall(router.getChannel(), raw, CallOptions.DEFAULT, body)
                        .hasNext()).getStatus();
    }

    static void assertInvalidArgumentNaming(String type, Status status) {
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), String.valueOf(status));
        assertTrue(status.getDescription().contains(type) && status.getDescription().contains("UTF-8"),
                status.getDescription());
    }

    @Test
    void aStringThatIsNotUtf8GetsInvalidArgumentNamingTheMessageToSend() {
        assertInvalidArgumentNaming("llmops.router.v1.ChatRequest", chat(MODEL_NOT_UTF8));
        assertInvalidArgumentNaming("llmops.router.v1.ChatStreamRequest", chatStream(STREAM_MODEL_NOT_UTF8));
    }

    @Test
    void bytesThatAreNoProtobufMessageGetInvalidArgument() {
        assertInvalidArgumentNaming("llmops.router.v1.ChatRequest", chat(NOT_PROTOBUF));
        assertInvalidArgumentNaming("llmops.router.v1.ChatStreamRequest", chatStream(NOT_PROTOBUF));
    }
}
