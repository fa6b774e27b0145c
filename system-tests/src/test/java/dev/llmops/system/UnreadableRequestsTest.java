package dev.llmops.system;

import dev.llmops.testsupport.RawGrpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import llmops.cache.v1.CacheServiceGrpc;
import llmops.cost.v1.CostServiceGrpc;
import llmops.guardrail.v1.GuardrailServiceGrpc;
import org.junit.jupiter.api.Test;

/**
 * The internal services, like the router, answer bytes gRPC cannot read as the method's request with
 * INVALID_ARGUMENT naming the message to send (grpc-support), not INTERNAL "Half-closed without a request".
 */
class UnreadableRequestsTest {

    static void assertNamed(String type, ServiceProcess service, MethodDescriptor<?, ?> method) {
        ManagedChannel channel = Clients.channel(service);
        try {
            RawGrpc.assertInvalidArgumentNaming(type, RawGrpc.call(channel, method, RawGrpc.NOT_PROTOBUF));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void eachInternalServiceNamesTheMessageItCouldNotRead() {
        Suite suite = Suite.get();
        assertNamed("llmops.guardrail.v1.CheckInputRequest", suite.guardrail, GuardrailServiceGrpc.getCheckInputMethod());
        assertNamed("llmops.cache.v1.LookupRequest", suite.cache, CacheServiceGrpc.getLookupMethod());
        assertNamed("llmops.cost.v1.ReserveRequest", suite.cost, CostServiceGrpc.getReserveMethod());
    }
}
