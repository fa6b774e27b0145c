package dev.llmops.router.grpc;

import dev.llmops.router.auth.AuthorizationInterceptor;
import dev.llmops.router.service.RoutingService;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
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
        return routing.open(AuthorizationInterceptor.AUTHORIZATION.get(), request, false)
                .onItem().transformToUni(routing::chat);
    }

    @Override
    public Multi<ChatStreamResponse> chatStream(ChatStreamRequest request) {
        if (!request.hasChat()) {
            return Multi.createFrom().failure(Status.INVALID_ARGUMENT
                    .withDescription("'chat' is required: the ChatRequest to stream").asRuntimeException());
        }
        return routing.open(AuthorizationInterceptor.AUTHORIZATION.get(), request.getChat(), true)
                .onItem().transformToMulti(routing::chatStream);
    }
}
