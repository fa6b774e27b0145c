package dev.llmops.grpcsupport;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A request message gRPC could not parse (a {@code string} field that is not valid UTF-8, or bytes that are not the
 * method's message at all) never reaches the service: the server drops it and would answer INTERNAL ("Half-closed
 * without a request"), which tells the caller nothing. This answers INVALID_ARGUMENT with what to fix instead, for
 * every method that takes one request message.
 */
@ApplicationScoped
@GlobalInterceptor
public class UnreadableRequestInterceptor implements ServerInterceptor {

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        MethodDescriptor.MethodType type = call.getMethodDescriptor().getType();
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        if (type != MethodDescriptor.MethodType.UNARY && type != MethodDescriptor.MethodType.SERVER_STREAMING) {
            return listener;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            private boolean received;

            @Override
            public void onMessage(Q message) {
                received = true;
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (received) {
                    super.onHalfClose();
                    return;
                }
                call.close(Status.INVALID_ARGUMENT.withDescription("the request could not be read as a "
                        + requestType(call.getMethodDescriptor()) + ": send it as that protobuf message, with every "
                        + "string field valid UTF-8"), new Metadata());
            }
        };
    }

    /** The request message's full name (llmops.router.v1.ChatRequest), or the method's when it is not protobuf. */
    static String requestType(MethodDescriptor<?, ?> method) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto
                && proto.getMessagePrototype() instanceof Message message) {
            return message.getDescriptorForType().getFullName();
        }
        return "request of " + method.getFullMethodName();
    }
}
