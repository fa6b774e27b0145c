package dev.llmops.testsupport;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The machine's real Redis, PostgreSQL and RabbitMQ, isolated per test run: each run gets its own database,
 * vhost and key prefix (named after the run), created here and dropped when the run ends.
 */
public final class RealServers {
    public static final String PG_HOST = env("LLMOPS_PG_HOST", "127.0.0.1");
    public static final int PG_PORT = Integer.parseInt(env("LLMOPS_PG_PORT", "5432"));
    public static final String PG_USER = env("LLMOPS_PG_USER", "llmops");
    public static final String PG_PASSWORD = env("LLMOPS_PG_PASSWORD", "llmops");
    public static final String REDIS_URL = env("LLMOPS_REDIS_URL", "redis://127.0.0.1:6379");
    public static final String RABBIT_HOST = env("LLMOPS_RABBITMQ_HOST", "127.0.0.1");
    public static final int RABBIT_PORT = Integer.parseInt(env("LLMOPS_RABBITMQ_PORT", "5672"));

    private RealServers() {
    }

    /** A short unique name for one test run, safe as a database, vhost or key prefix. */
    public static String runId(String purpose) {
        return (purpose + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + database;
    }

    public static String reactiveUrl(String database) {
        return "postgresql://" + PG_HOST + ":" + PG_PORT + "/" + database;
    }

    public static void createDatabase(String name) {
        adminStatement("CREATE DATABASE " + name);
    }

    public static void dropDatabase(String name) {
        adminStatement("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private static void adminStatement(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), PG_USER, PG_PASSWORD);
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + PG_HOST + ":" + PG_PORT + " as " + PG_USER
                    + " refused '" + sql + "' (run scripts/ensure-servers.sh to create the role): " + e.getMessage(), e);
        }
    }

    public static void createVhost(String vhost) {
        rabbitmqctl("add_vhost", vhost);
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
    }

    public static void deleteVhost(String vhost) {
        rabbitmqctl("delete_vhost", vhost);
    }

    private static void rabbitmqctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("rabbitmqctl", "-q"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("rabbitmqctl is needed to give the test run its own vhost", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
