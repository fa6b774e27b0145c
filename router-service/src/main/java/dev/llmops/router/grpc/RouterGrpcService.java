package dev.llmops.router.grpc;

import dev.llmops.router.auth.AuthorizationInterceptor;
import dev.llmops.router.service.RoutingService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.concurrent.TimeUnit;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.ChatResponse;
import llmops.router.v1.ChatStreamRequest;
import llmops.router.v1.ChatStreamResponse;
import llmops.router.v1.MutinyRouterServiceGrpc;

/** The public gRPC API: authenticates from the {@code authorization} metadata and hands over to the routing service. */
@GrpcService
public class RouterGrpcService extends MutinyRouterServiceGrpc.RouterServiceImplBase {
    private final RoutingService routing;

    public RouterGrpcService(RoutingService routing) {
        this.routing = routing;
    }

    @Override
    public Uni<ChatResponse> chat(ChatRequest request) {
        Deadline deadline = Context.current().getDeadline(); // read on the call's context, counted when opened
        return routing.authenticate(AuthorizationInterceptor.AUTHORIZATION.get())
                .map(principal -> routing.open(principal, request, false, remainingMillis(deadline)))
                .onItem().transformToUni(routing::chat);
    }

    @Override
    public Multi<ChatStreamResponse> chatStream(ChatStreamRequest request) {
        if (!request.hasChat()) {
            return Multi.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("'chat' is required: the ChatRequest to stream").asRuntimeException());
        }
        Deadline deadline = Context.current().getDeadline();
        return routing.authenticate(AuthorizationInterceptor.AUTHORIZATION.get())
                .map(principal -> routing.open(principal, request.getChat(), true, remainingMillis(deadline)))
                .onItem().transformToMulti(routing::chatStream);
    }

    /** What is left of the caller's gRPC deadline; -1 when it set none. */
    private static long remainingMillis(Deadline d) {
        return d == null ? -1 : Math.max(0, d.timeRemaining(TimeUnit.MILLISECONDS));
    }
}
