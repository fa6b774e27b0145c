package dev.llmops.guardrail;

import dev.llmops.testsupport.IsolatedServersResource;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/**
 * IsolatedServersResource, but with a private redis-server on its own port, so a test can stop Redis without
 * touching the machine's shared one.
 */
public class PrivateRedisResource extends IsolatedServersResource {
    private int port;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        startRedis(port);
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + port);
        return config;
    }

    @Override
    public void stop() {
        stopRedis(port);
        super.stop();
    }

    static void startRedis(int port) {
        try {
            new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "yes", "--logfile", "")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            for (int i = 0; i < 100; i++) {
                if (cli(port, "ping") == 0) {
                    return;
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new IllegalStateException("redis-server is needed for the Redis outage test", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("private redis-server on port " + port + " did not start");
    }

    static void stopRedis(int port) {
        cli(port, "shutdown", "nosave");
    }

    private static int cli(int port, String... args) {
        try {
            String[] cmd = new String[3 + args.length];
            cmd[0] = "redis-cli";
            cmd[1] = "-p";
            cmd[2] = String.valueOf(port);
            System.arraycopy(args, 0, cmd, 3, args.length);
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
