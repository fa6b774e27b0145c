package dev.llmops.system;

import com.rabbitmq.client.ConnectionFactory;
import dev.llmops.testsupport.RealServers;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import llmops.router.v1.RouterServiceGrpc;

/** Plain clients, as an app would use them: grpc-java with metadata, and the JDK's HTTP client. */
final class Clients {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Clients() {
    }

    /** The broker, in the suite's own virtual host. */
    static ConnectionFactory rabbit(Suite suite) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(RealServers.RABBIT_HOST);
        factory.setPort(RealServers.RABBIT_PORT);
        factory.setVirtualHost(suite.run);
        return factory;
    }

    static ManagedChannel channel(ServiceProcess service) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", service.port).usePlaintext().build();
    }

    static RouterServiceGrpc.RouterServiceBlockingStub router(ManagedChannel channel, String apiKey) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + apiKey);
        return RouterServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static HttpResponse<String> post(String url, String apiKey, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            b.header("authorization", "Bearer " + apiKey);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject getJson(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return new JsonObject(r.body());
    }
}
