package dev.llmops.loadgen;

import com.google.protobuf.CodedOutputStream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Request bodies: OpenAI chat JSON, or a gRPC-framed llmops.router.v1.ChatRequest. */
final class RequestBodies {
    // field numbers of proto/.../router_service.proto and common.proto
    private static final int CHAT_REQUEST_MESSAGES = 1;
    private static final int CHAT_REQUEST_MODEL = 2;
    private static final int CHAT_MESSAGE_ROLE = 1;
    private static final int CHAT_MESSAGE_CONTENT = 2;
    private static final int ROLE_USER = 2;

    private RequestBodies() {
    }

    static Buffer openAiJson(String model, String prompt) {
        return new JsonObject().put("model", model).put("messages", new JsonArray()
                .add(new JsonObject().put("role", "user").put("content", prompt))).toBuffer();
    }

    /** The 5-byte gRPC frame prefix (uncompressed, big-endian length) and the ChatRequest bytes. */
    static Buffer grpcChatRequest(String model, String prompt) {
        try {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            CodedOutputStream m = CodedOutputStream.newInstance(message);
            m.writeEnum(CHAT_MESSAGE_ROLE, ROLE_USER);
            m.writeString(CHAT_MESSAGE_CONTENT, prompt);
            m.flush();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            CodedOutputStream r = CodedOutputStream.newInstance(request);
            r.writeByteArray(CHAT_REQUEST_MESSAGES, message.toByteArray());
            r.writeString(CHAT_REQUEST_MODEL, model);
            r.flush();
            byte[] bytes = request.toByteArray();
            return Buffer.buffer(5 + bytes.length).appendByte((byte) 0).appendInt(bytes.length).appendBytes(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory encoding cannot fail", e);
        }
    }
}
