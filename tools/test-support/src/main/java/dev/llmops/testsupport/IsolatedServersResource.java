package dev.llmops.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} application at the real servers, isolated for this run:
 * a fresh PostgreSQL database (arg {@code postgres=true}), a fresh RabbitMQ vhost ({@code rabbitmq=true})
 * and a Redis key prefix (always), exposed as config {@code llmops.redis.key-prefix}.
 */
public class IsolatedServersResource implements QuarkusTestResourceLifecycleManager {
    private String database;
    private String vhost;
    private boolean postgres;
    private boolean rabbitmq;

    @Override
    public void init(Map<String, String> initArgs) {
        postgres = Boolean.parseBoolean(initArgs.getOrDefault("postgres", "false"));
        rabbitmq = Boolean.parseBoolean(initArgs.getOrDefault("rabbitmq", "false"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        String run = RealServers.runId("llmops_test");
        config.put("quarkus.redis.hosts", RealServers.REDIS_URL);
        config.put("llmops.redis.key-prefix", run + ":");
        if (postgres) {
            database = run;
            RealServers.createDatabase(database);
            config.put("quarkus.datasource.username", RealServers.PG_USER);
            config.put("quarkus.datasource.password", RealServers.PG_PASSWORD);
            config.put("quarkus.datasource.jdbc.url", RealServers.jdbcUrl(database));
            config.put("quarkus.datasource.reactive.url", RealServers.reactiveUrl(database));
        }
        if (rabbitmq) {
            vhost = run;
            RealServers.createVhost(vhost);
            config.put("rabbitmq-host", RealServers.RABBIT_HOST);
            config.put("rabbitmq-port", String.valueOf(RealServers.RABBIT_PORT));
            config.put("rabbitmq-username", "guest");
            config.put("rabbitmq-password", "guest");
            config.put("rabbitmq-virtual-host", vhost);
        }
        return config;
    }

    @Override
    public void stop() {
        if (database != null) {
            RealServers.dropDatabase(database);
        }
        if (vhost != null) {
            RealServers.deleteVhost(vhost);
        }
    }
}
