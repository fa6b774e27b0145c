package dev.llmops.router.admin;

import dev.llmops.router.auth.AccessConfig;
import dev.llmops.router.auth.AdminCredential;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.auth.KeyStore;
import dev.llmops.router.service.RouteTable;
import dev.llmops.router.tiering.TieredRouting;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/** Wires the plain admin classes (kept free of CDI so tests build them against a real Redis) into the app. */
@ApplicationScoped
public class AdminBeans {

    @Produces
    @Singleton
    KeyAdmin keyAdmin(KeyStore store, RouteTable routes, TieredRouting tiering, ApiKeys apiKeys) {
        // the models a key may be allowed: the routes, and the tiering model when a tier policy exists
        Supplier<Set<String>> models = () -> {
            Set<String> names = new TreeSet<>(routes.names());
            if (tiering.handles(tiering.model())) {
                names.add(tiering.model());
            }
            return names;
        };
        return new KeyAdmin(store, models, apiKeys::isConfiguredKeyId, Clock.systemUTC());
    }

    @Produces
    @Singleton
    AdminCredential adminCredential(AccessConfig config) {
        return new AdminCredential(config.adminKeySha256());
    }
}
