package dev.llmops.router.admin;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.service.RoutingService;
import dev.llmops.testsupport.IsolatedServersResource;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.util.Map;
import llmops.common.v1.Caller;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import llmops.common.v1.ChatMessage;
import llmops.common.v1.Role;
import llmops.router.v1.ChatRequest;
import llmops.router.v1.CreateKeyRequest;
import llmops.router.v1.CreateKeyResponse;
import llmops.router.v1.KeySpec;
import llmops.router.v1.ListKeysRequest;
import llmops.router.v1.RevokeKeyRequest;
import llmops.router.v1.RotateKeyRequest;
import llmops.router.v1.RouterAdminServiceGrpc;
import llmops.router.v1.RouterServiceGrpc;
import llmops.router.v1.VirtualKey;
import org.junit.jupiter.api.Test;

/**
 * The admin gRPC service and the key checks of both public APIs through the running router, on the real Redis and
 * RabbitMQ of this run. Nothing here needs the guardrail, cache or cost services: every assertion is about what
 * happens before the router would call them (a request that gets past the limits may fail later; that is not what
 * these tests look at).
 */
@QuarkusTest
@QuarkusTestResource(value = IsolatedServersResource.class, initArgs = @ResourceArg(name = "rabbitmq", value = "true"))
class AdminAndLimitsEndToEndTest {
    static final String ADMIN_KEY = "sk-llmops-admin-local-dev";
    static final String LOCAL_API_KEY = "sk-llmops-local-dev";

    @GrpcClient("admin")
    RouterAdminServiceGrpc.RouterAdminServiceBlockingStub admin;

    @GrpcClient("router")
    RouterServiceGrpc.RouterServiceBlockingStub router;

    static <S extends io.grpc.stub.AbstractStub<S>> S as(S stub, String key) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    CreateKeyResponse create(KeySpec.Builder spec) {
        return as(admin, ADMIN_KEY).createKey(CreateKeyRequest.newBuilder().setSpec(spec).build());
    }

    static Response models(String key) {
        return given().header("authorization", "Bearer " + key).get("/v1/models");
    }

    static Response chat(String key, String model) {
        return given().header("authorization", "Bearer " + key).contentType("application/json")
                .body("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions");
    }

    @Inject
    RoutingService routing;

    @Inject
    Redis redis;

    @ConfigProperty(name = "llmops.redis.key-prefix")
    String prefix;

    /** Waits while Redis' clock is in the last 10 s of a minute. */
    void awayFromMinuteBoundary() throws InterruptedException {
        io.vertx.mutiny.redis.client.Response t = redis.send(Request.cmd(Command.TIME)).await().atMost(Duration.ofSeconds(5));
        long into = (t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000) % 60_000;
        if (into > 50_000) {
            Thread.sleep(60_000 - into + 10);
        }
    }

    @Test
    void theKeysTagsAndTeamTravelInTheCallerAndWinOverRequestTags() {
        ApiKeys.Principal key = new ApiKeys.Principal("k1", "acme", "search", List.of("local-echo"), 0, 0,
                Map.of("env", "prod"), 0);
        ChatRequest request = ChatRequest.newBuilder().setModel("local-echo").setUser("end-user-7")
                .putTags("env", "dev").putTags("feature", "summary").addMessages(ChatMessage.newBuilder()
                        .setRole(Role.ROLE_USER).setContent("hi")).build();
        Caller caller = routing.open(key, request, false).caller();
        assertEquals("acme", caller.getTenantId());
        assertEquals("k1", caller.getKeyId());
        assertEquals("end-user-7", caller.getUserId());
        assertEquals(Map.of("env", "prod", "feature", "summary", "team", "search"), caller.getTagsMap());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> routing.open(key, request.toBuilder().setModel("gpt-4o-mini").build(), false));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    }

    @Test
    void theAdminApiTakesOnlyTheAdminKey() {
        for (String wrong : List.of(LOCAL_API_KEY, "sk-llmops-guess")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> as(admin, wrong).listKeys(ListKeysRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), wrong);
        }
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class,
                () -> admin.listKeys(ListKeysRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> create(KeySpec.newBuilder().setTenantId("acme").addAllowedModels("no-such-model")));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertTrue(bad.getStatus().getDescription().contains("local-echo"), "names the known models");
    }

    @Test
    void aCreatedKeyWorksOnlyForItsModelsAndIsListedWithoutTheKey() {
        CreateKeyResponse created = create(KeySpec.newBuilder().setTenantId("acme").setTeam("search")
                .addAllowedModels("local-echo"));
        String key = created.getApiKey();
        models(key).then().statusCode(200);
        assertEquals(List.of("local-echo"), models(key).jsonPath().getList("data.id"), "only its allowed models");

        Response denied = chat(key, "gpt-4o-mini");
        assertEquals(403, denied.statusCode(), denied.asString());
        assertEquals("permission_error", denied.jsonPath().getString("error.type"));
        assertTrue(denied.jsonPath().getString("error.message").contains("local-echo"));

        List<VirtualKey> listed = as(admin, ADMIN_KEY).listKeys(ListKeysRequest.newBuilder().setTenantId("acme")
                .build()).getKeysList();
        VirtualKey mine = listed.stream().filter(k -> k.getKeyId().equals(created.getKey().getKeyId())).findFirst()
                .orElseThrow();
        assertEquals("search", mine.getSpec().getTeam());
        assertFalse(listed.toString().contains(key.substring(14)), "never the key");
    }

    @Test
    void theRpmLimitAnswers429WithTheRealRetryAfterAndGrpcRetryInfo() throws InterruptedException {
        String key = create(KeySpec.newBuilder().setTenantId("acme").setRpmLimit(2)).getApiKey();
        awayFromMinuteBoundary(); // all of this must happen in one limiter window
        for (int i = 0; i < 2; i++) {
            int status = chat(key, "local-echo").statusCode();
            assertNotEquals(429, status, "request " + (i + 1) + " of 2 is within the limit");
        }
        Response limited = chat(key, "local-echo");
        assertEquals(429, limited.statusCode(), limited.asString());
        assertEquals("rate_limit_error", limited.jsonPath().getString("error.type"));
        long retryAfter = Long.parseLong(limited.header("retry-after"));
        assertTrue(retryAfter >= 1 && retryAfter <= 120, "retry-after " + retryAfter);
        assertTrue(limited.jsonPath().getString("error.message").contains("2 requests per minute"));
        String metrics = given().get("/q/metrics").asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("llmops_router_limit_rejections_total{limit=\"rpm\"")
                && !l.endsWith(" 0.0")), "the rejection is counted");
        assertTrue(metrics.contains("llmops_router_key_invalidations_subscribed 1.0"), "listening for revocations");

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> as(router, key).chat(
                ChatRequest.newBuilder().setModel("local-echo").addMessages(ChatMessage.newBuilder()
                        .setRole(Role.ROLE_USER).setContent("hi")).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        assertTrue(details != null && details.getDetailsList().stream().anyMatch(a -> a.is(RetryInfo.class)),
                "RetryInfo travels in the gRPC status details");
        Any info = details.getDetailsList().stream().filter(a -> a.is(RetryInfo.class)).findFirst().orElseThrow();
        try {
            long seconds = info.unpack(RetryInfo.class).getRetryDelay().getSeconds();
            assertTrue(seconds >= 0 && seconds <= 120, "retry delay " + seconds);
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void revokeAndRotateTakeEffectAtOnce() throws InterruptedException {
        CreateKeyResponse created = create(KeySpec.newBuilder().setTenantId("acme"));
        String keyId = created.getKey().getKeyId();
        models(created.getApiKey()).then().statusCode(200);

        String rotated = as(admin, ADMIN_KEY).rotateKey(RotateKeyRequest.newBuilder().setKeyId(keyId).build()).getApiKey();
        models(rotated).then().statusCode(200);
        awaitStatus(created.getApiKey(), 401);

        as(admin, ADMIN_KEY).revokeKey(RevokeKeyRequest.newBuilder().setKeyId(keyId).build());
        awaitStatus(rotated, 401);
        assertTrue(models(rotated).jsonPath().getString("error.message").contains("revoked"));
        models(LOCAL_API_KEY).then().statusCode(200); // the config key is untouched
    }

    /** Within a second (the cache TTL is 5 s, so only the pub/sub invalidation can make it). */
    static void awaitStatus(String key, int status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 1000;
        while (models(key).statusCode() != status) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("key did not answer " + status + " within a second");
            }
            Thread.sleep(20);
        }
    }
}
