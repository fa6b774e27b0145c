package dev.llmops.router.admin;

import dev.llmops.router.auth.AccessConfig;
import dev.llmops.router.auth.AdminCredential;
import dev.llmops.router.auth.ApiKeys;
import dev.llmops.router.auth.KeyStore;
import dev.llmops.router.service.RouteTable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Wires the plain admin classes (kept free of CDI so tests build them against a real Redis) into the app. */
@ApplicationScoped
public class AdminBeans {

    @Produces
    @Singleton
    KeyAdmin keyAdmin(KeyStore store, RouteTable routes, ApiKeys apiKeys) {
        return new KeyAdmin(store, routes::names, apiKeys::isConfiguredKeyId, Clock.systemUTC());
    }

    @Produces
    @Singleton
    AdminCredential adminCredential(AccessConfig config) {
        return new AdminCredential(config.adminKeySha256());
    }
}
