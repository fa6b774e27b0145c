package dev.llmops.router.grpc;

import dev.llmops.testsupport.IsolatedServersResource;
import dev.llmops.testsupport.RawGrpc;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
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

    @GrpcClient("router")
    RouterServiceGrpc.RouterServiceBlockingStub router;

    Status chat(byte[] body) {
        return RawGrpc.call(router.getChannel(), RouterServiceGrpc.getChatMethod(), body);
    }

    Status chatStream(byte[] body) {
        return RawGrpc.call(router.getChannel(), RouterServiceGrpc.getChatStreamMethod(), body);
    }

    @Test
    void aStringThatIsNotUtf8GetsInvalidArgumentNamingTheMessageToSend() {
        RawGrpc.assertInvalidArgumentNaming("llmops.router.v1.ChatRequest", chat(MODEL_NOT_UTF8));
        RawGrpc.assertInvalidArgumentNaming("llmops.router.v1.ChatStreamRequest", chatStream(STREAM_MODEL_NOT_UTF8));
    }

    @Test
    void bytesThatAreNoProtobufMessageGetInvalidArgument() {
        RawGrpc.assertInvalidArgumentNaming("llmops.router.v1.ChatRequest", chat(RawGrpc.NOT_PROTOBUF));
        RawGrpc.assertInvalidArgumentNaming("llmops.router.v1.ChatStreamRequest", chatStream(RawGrpc.NOT_PROTOBUF));
    }
}
