package dev.llmops.router.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/** Carries the {@code authorization} metadata of a gRPC call to the service method. */
@ApplicationScoped
@GlobalInterceptor
public class AuthorizationInterceptor implements ServerInterceptor {
    public static final Context.Key<String> AUTHORIZATION = Context.key("llmops-authorization");
    private static final Metadata.Key<String> HEADER = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Context context = Context.current().withValue(AUTHORIZATION, headers.get(HEADER));
        return Contexts.interceptCall(context, call, headers, next);
    }
}
