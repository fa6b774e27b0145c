package dev.llmops.router.limits;

import dev.llmops.testsupport.RealServers;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * The machine's real Redis (or a private redis-server for outage tests) for plain JUnit tests, under a key prefix
 * of its own that {@link #close()} deletes.
 */
public final class TestRedis implements AutoCloseable {
    public final Vertx vertx;
    public final String prefix;
    private final String url;
    private final java.util.List<Redis> clients = new java.util.ArrayList<>();

    public TestRedis() {
        this(RealServers.REDIS_URL);
    }

    public TestRedis(String url) {
        this.vertx = Vertx.vertx();
        this.url = url;
        this.prefix = RealServers.runId("llmops_test_router") + ":";
    }

    /** A new client, as a separate router replica would have. */
    public Redis client() {
        Redis c = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
                .setMaxPoolWaiting(1024));
        clients.add(c);
        return c;
    }

    public Response send(Request request) {
        return client().send(request).await().atMost(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        try {
            Redis c = client();
            String cursor = "0";
            do {
                Response r = c.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "*")
                        .arg("COUNT").arg(1000)).await().atMost(Duration.ofSeconds(5));
                cursor = r.get(0).toString();
                for (Response key : r.get(1)) {
                    c.send(Request.cmd(Command.DEL).arg(key.toString())).await().atMost(Duration.ofSeconds(5));
                }
            } while (!"0".equals(cursor));
        } catch (RuntimeException ignored) {
            // a private server may be gone already
        }
        clients.forEach(Redis::close);
        vertx.closeAndAwait();
    }

    /** A private redis-server on a free port (fault tests stop it; the shared server is never touched). */
    public static Process startPrivateRedis(int port) throws Exception {
        Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IllegalStateException("private redis-server did not start on port " + port);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
