package dev.llmops.router.admin;

import dev.llmops.router.auth.AdminCredential;
import dev.llmops.router.auth.AuthorizationInterceptor;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import java.util.function.Supplier;
import llmops.router.v1.CreateKeyRequest;
import llmops.router.v1.CreateKeyResponse;
import llmops.router.v1.GetKeyRequest;
import llmops.router.v1.GetKeyResponse;
import llmops.router.v1.ListKeysRequest;
import llmops.router.v1.ListKeysResponse;
import llmops.router.v1.MutinyRouterAdminServiceGrpc;
import llmops.router.v1.RevokeKeyRequest;
import llmops.router.v1.RevokeKeyResponse;
import llmops.router.v1.RotateKeyRequest;
import llmops.router.v1.RotateKeyResponse;
import llmops.router.v1.UpdateKeyRequest;
import llmops.router.v1.UpdateKeyResponse;

/** {@code llmops.router.v1.RouterAdminService}: checks the admin credential, then hands over to {@link KeyAdmin}. */
@GrpcService
public class RouterAdminGrpcService extends MutinyRouterAdminServiceGrpc.RouterAdminServiceImplBase {
    private final KeyAdmin admin;
    private final AdminCredential credential;

    public RouterAdminGrpcService(KeyAdmin admin, AdminCredential credential) {
        this.admin = admin;
        this.credential = credential;
    }

    @Override
    public Uni<CreateKeyResponse> createKey(CreateKeyRequest request) {
        return authorized(() -> admin.create(request));
    }

    @Override
    public Uni<GetKeyResponse> getKey(GetKeyRequest request) {
        return authorized(() -> admin.get(request));
    }

    @Override
    public Uni<ListKeysResponse> listKeys(ListKeysRequest request) {
        return authorized(() -> admin.list(request));
    }

    @Override
    public Uni<UpdateKeyResponse> updateKey(UpdateKeyRequest request) {
        return authorized(() -> admin.update(request));
    }

    @Override
    public Uni<RotateKeyResponse> rotateKey(RotateKeyRequest request) {
        return authorized(() -> admin.rotate(request));
    }

    @Override
    public Uni<RevokeKeyResponse> revokeKey(RevokeKeyRequest request) {
        return authorized(() -> admin.revoke(request));
    }

    private <T> Uni<T> authorized(Supplier<Uni<T>> call) {
        try {
            credential.check(AuthorizationInterceptor.AUTHORIZATION.get());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return call.get();
    }
}
