package dev.llmops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Loads every build (k8s/base, k8s/overlays/*) without kubectl and checks it against the invariants and the spec. */
class ManifestsTest {

    static List<Path> roots() {
        return K8sDir.buildRoots();
    }

    private static KustomizeLoader.Build load(String root) {
        return KustomizeLoader.load(K8sDir.root().resolve(root));
    }

    private static <T extends HasMetadata> T get(KustomizeLoader.Build b, Class<T> type, String name) {
        return b.resources().stream().map(r -> ManifestValidator.bind(r.tree())).filter(type::isInstance)
                .map(type::cast).filter(h -> h.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(type.getSimpleName() + "/" + name + " missing"));
    }

    private static Set<String> ids(KustomizeLoader.Build b) {
        return b.resources().stream().map(Resource::id).collect(Collectors.toCollection(TreeSet::new));
    }

    @ParameterizedTest
    @MethodSource("roots")
    void everyBuildLoadsAndPassesTheInvariants(Path root) {
        KustomizeLoader.Build b = KustomizeLoader.load(root);
        assertEquals(List.of(), b.problems(), "loading " + root);
        assertTrue(b.resources().size() > 10, "suspiciously few resources in " + root + ": " + ids(b));
        assertEquals(List.of(), K8sDir.validator().validate(b.resources()), "validating " + root);
        for (Resource r : b.resources()) {
            if (!r.kind().equals("Namespace")) {
                assertEquals("llmops", r.tree().path("metadata").path("namespace").asText(), r.toString());
            }
        }
    }

    @Test
    void everyManifestFileOnDiskIsUsedBySomeBuild() throws IOException {
        Set<Path> used = new HashSet<>();
        for (Path root : K8sDir.buildRoots()) {
            used.addAll(KustomizeLoader.load(root).filesUsed());
        }
        Set<Path> onDisk;
        try (Stream<Path> s = Stream.concat(Files.walk(K8sDir.root().resolve("base")),
                Files.walk(K8sDir.root().resolve("overlays")))) {
            onDisk = s.filter(p -> p.toString().endsWith(".yaml")).map(p -> p.toAbsolutePath().normalize())
                    .collect(Collectors.toSet());
        }
        onDisk.removeAll(used);
        assertEquals(Set.of(), onDisk, "manifest files that no kustomization lists");
    }

    @Test
    void baseIsSelfContained() {
        Set<String> ids = ids(load("base"));
        for (String svc : List.of("router-service", "guardrail-service", "cache-service", "cost-service")) {
            for (String kind : List.of("Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler",
                    "PodDisruptionBudget")) {
                String name = kind.equals("ConfigMap") ? svc + "-config" : svc;
                assertTrue(ids.contains(kind + "/" + name), kind + "/" + name + " in " + ids);
            }
        }
        assertTrue(ids.containsAll(List.of("Deployment/redis", "Service/redis", "StatefulSet/postgres",
                "Service/postgres", "StatefulSet/rabbitmq", "Service/rabbitmq", "Namespace/llmops")), ids.toString());
        assertFalse(ids.stream().anyMatch(id -> id.startsWith("Secret/")), "Secrets must not be committed: " + ids);
    }

    @Test
    void productionDropsTheInfraAndUsesManagedServers() {
        KustomizeLoader.Build prod = load("overlays/production");
        Set<String> ids = ids(prod);
        for (String infra : List.of("redis", "postgres", "rabbitmq")) {
            assertTrue(ids.stream().noneMatch(id -> id.endsWith("/" + infra)), infra + " left in " + ids);
        }
        assertTrue(ids.contains("Deployment/router-service"), ids.toString());
        for (String svc : List.of("router-service", "guardrail-service", "cache-service", "cost-service")) {
            ConfigMap cm = get(prod, ConfigMap.class, svc + "-config");
            assertTrue(cm.getData().get("QUARKUS_REDIS_HOSTS").startsWith("rediss://"), cm.getData().toString());
            EnvVar pw = env(get(prod, Deployment.class, svc)).get("QUARKUS_REDIS_PASSWORD");
            assertNotNull(pw, svc + " needs QUARKUS_REDIS_PASSWORD in production");
            assertEquals("llmops-redis", pw.getValueFrom().getSecretKeyRef().getName());
        }
        Map<String, String> cost = get(prod, ConfigMap.class, "cost-service-config").getData();
        assertTrue(cost.get("QUARKUS_DATASOURCE_JDBC_URL").startsWith("jdbc:postgresql://postgres.llmops.example"));
        // untouched keys survive the patch
        assertEquals("http://otel-collector:4317", cost.get("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    private static Container container(Deployment d) {
        List<Container> cs = d.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, cs.size());
        return cs.get(0);
    }

    private static Map<String, EnvVar> env(Deployment d) {
        return container(d).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @ParameterizedTest
    @CsvSource({"router-service,8080,512Mi,768Mi", "guardrail-service,8091,768Mi,1Gi", "cache-service,8092,768Mi,1Gi",
            "cost-service,8093,512Mi,768Mi"}) // guardrail and cache load the MiniLM model (~100 MB off-heap)
    void serviceDeploymentFollowsTheSpec(String svc, int port, String memoryRequest, String memoryLimit) {
        KustomizeLoader.Build base = load("base");
        Deployment d = get(base, Deployment.class, svc);
        Container c = container(d);
        assertEquals("llmops/" + svc + ":0.1.0", c.getImage());
        assertEquals(1, c.getPorts().size());
        assertEquals("http", c.getPorts().get(0).getName());
        assertEquals(port, c.getPorts().get(0).getContainerPort());
        assertEquals(new Quantity("250m"), c.getResources().getRequests().get("cpu"));
        assertEquals(new Quantity(memoryRequest), c.getResources().getRequests().get("memory"));
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("cpu"));
        assertEquals(new Quantity(memoryLimit), c.getResources().getLimits().get("memory"));
        assertTrue(env(d).get("JAVA_OPTS").getValue().contains("-XX:MaxRAMPercentage="));
        assertTrue(env(d).get("JAVA_OPTS").getValue().contains("-XX:+UseSerialGC"));
        // one event loop per CPU of the limit
        assertEquals(c.getResources().getLimits().get("cpu").getAmount(),
                env(d).get("QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE").getValue());
        assertEquals(svc + "-config", c.getEnvFrom().get(0).getConfigMapRef().getName());
        assertNotNull(c.getStartupProbe());

        Map<String, String> cfg = get(base, ConfigMap.class, svc + "-config").getData();
        assertEquals("redis://redis:6379", cfg.get("QUARKUS_REDIS_HOSTS"));
        assertEquals("false", cfg.get("QUARKUS_OTEL_SDK_DISABLED"));
        assertEquals("http://otel-collector:4317", cfg.get("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT"));

        Service s = get(base, Service.class, svc);
        assertEquals(port, s.getSpec().getPorts().get(0).getPort());
        HorizontalPodAutoscaler hpa = get(base, HorizontalPodAutoscaler.class, svc);
        assertEquals(2, hpa.getSpec().getMinReplicas());
        assertEquals(10, hpa.getSpec().getMaxReplicas());
        assertEquals("cpu", hpa.getSpec().getMetrics().get(0).getResource().getName());
        assertEquals(70, hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
        assertEquals(1, get(base, PodDisruptionBudget.class, svc).getSpec().getMinAvailable().getIntVal());

        if (!svc.equals("router-service")) {
            Service headless = get(base, Service.class, svc + "-grpc");
            assertEquals("None", headless.getSpec().getClusterIP());
            assertEquals(port, headless.getSpec().getPorts().get(0).getPort());
            assertEquals(s.getSpec().getSelector(), headless.getSpec().getSelector());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/production"})
    void theRouterReadsTheExactCacheWhereTheCacheServiceWritesIt(String root) {
        KustomizeLoader.Build build = load(root);
        Map<String, String> router = get(build, ConfigMap.class, "router-service-config").getData();
        Map<String, String> cache = get(build, ConfigMap.class, "cache-service-config").getData();
        assertEquals(cache.get("QUARKUS_REDIS_HOSTS"), router.get("QUARKUS_REDIS_HOSTS"));
        assertNotNull(cache.get("LLMOPS_REDIS_KEY_PREFIX"));
        assertEquals(cache.get("LLMOPS_REDIS_KEY_PREFIX"), router.get("LLMOPS_ROUTER_CACHE_KEY_PREFIX"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/production"})
    void theRoutersInProcessChecksShareTheGuardrailsSettingsAndState(String root) {
        KustomizeLoader.Build build = load(root);
        Map<String, String> shared = get(build, ConfigMap.class, "guardrail-checks-config").getData();
        assertEquals("llmops:guardrail:", shared.get("LLMOPS_GUARDRAIL_REDIS_KEY_PREFIX"));
        for (String service : List.of("guardrail-service", "router-service")) {
            Container c = get(build, Deployment.class, service).getSpec().getTemplate().getSpec().getContainers().get(0);
            assertTrue(c.getEnvFrom().stream().anyMatch(e -> e.getConfigMapRef() != null
                    && e.getConfigMapRef().getName().equals("guardrail-checks-config")), service);
            Map<String, String> own = get(build, ConfigMap.class, service + "-config").getData();
            assertTrue(own.keySet().stream().noneMatch(k -> k.startsWith("LLMOPS_GUARDRAIL_")),
                    service + "'s own config map sets guardrail settings: they belong in guardrail-checks-config");
        }
        Map<String, String> guardrail = get(build, ConfigMap.class, "guardrail-service-config").getData();
        Map<String, String> router = get(build, ConfigMap.class, "router-service-config").getData();
        assertEquals(guardrail.get("QUARKUS_REDIS_HOSTS"), router.get("QUARKUS_REDIS_HOSTS"));
        assertEquals(guardrail.get("RABBITMQ_HOST"), router.get("RABBITMQ_HOST"));
    }

    @Test
    void routerConfigAndSecrets() {
        KustomizeLoader.Build base = load("base");
        Map<String, String> cfg = get(base, ConfigMap.class, "router-service-config").getData();
        for (String[] c : new String[][] {{"GUARDRAIL", "guardrail-service", "8091"}, {"CACHE", "cache-service", "8092"},
                {"COST", "cost-service", "8093"}}) {
            assertEquals(c[1] + "-grpc", cfg.get("QUARKUS_GRPC_CLIENTS_" + c[0] + "_HOST"));
            assertEquals(c[2], cfg.get("QUARKUS_GRPC_CLIENTS_" + c[0] + "_PORT"));
            assertEquals("round_robin", cfg.get("QUARKUS_GRPC_CLIENTS_" + c[0] + "_LOAD_BALANCING_POLICY"));
        }
        assertEquals("rabbitmq", cfg.get("RABBITMQ_HOST"));
        assertEquals("5672", cfg.get("RABBITMQ_PORT"));
        assertEquals("https://api.openai.com/v1", cfg.get("LLMOPS_OPENAI_BASE_URL"));
        Map<String, EnvVar> env = env(get(base, Deployment.class, "router-service"));
        assertEquals("llmops-rabbitmq", env.get("RABBITMQ_USERNAME").getValueFrom().getSecretKeyRef().getName());
        assertEquals("llmops-rabbitmq", env.get("RABBITMQ_PASSWORD").getValueFrom().getSecretKeyRef().getName());
        assertEquals("llmops-providers", env.get("OPENAI_API_KEY").getValueFrom().getSecretKeyRef().getName());
        assertEquals("llmops-router-keys",
                env.get("LLMOPS_ROUTER_KEYS_DEFAULT_SHA256").getValueFrom().getSecretKeyRef().getName());
        assertEquals("llmops-router-keys",
                env.get("LLMOPS_ROUTER_KEYS_DEFAULT_TENANT").getValueFrom().getSecretKeyRef().getName());
    }

    @Test
    void costConfigAndSecrets() {
        KustomizeLoader.Build base = load("base");
        Map<String, String> cfg = get(base, ConfigMap.class, "cost-service-config").getData();
        assertEquals("postgresql://postgres:5432/llmops", cfg.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        assertEquals("jdbc:postgresql://postgres:5432/llmops", cfg.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("rabbitmq", cfg.get("RABBITMQ_HOST"));
        Map<String, EnvVar> env = env(get(base, Deployment.class, "cost-service"));
        for (String v : List.of("QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD")) {
            assertEquals("llmops-postgres", env.get(v).getValueFrom().getSecretKeyRef().getName());
        }
        for (String v : List.of("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD")) {
            assertEquals("llmops-rabbitmq", env.get(v).getValueFrom().getSecretKeyRef().getName());
        }
        // the guardrail publishes audit events to RabbitMQ; the cache needs nothing but Redis
        assertEquals("rabbitmq", get(base, ConfigMap.class, "guardrail-service-config").getData().get("RABBITMQ_HOST"));
        Map<String, EnvVar> guardrailEnv = env(get(base, Deployment.class, "guardrail-service"));
        assertEquals("llmops-rabbitmq", guardrailEnv.get("RABBITMQ_PASSWORD").getValueFrom().getSecretKeyRef().getName());
        assertFalse(get(base, ConfigMap.class, "cache-service-config").getData().containsKey("RABBITMQ_HOST"));
    }
}
