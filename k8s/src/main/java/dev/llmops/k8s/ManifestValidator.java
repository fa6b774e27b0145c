package dev.llmops.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds every manifest of one build to fabric8's typed model (unknown fields fail) and checks the invariants
 * that keep the install working: resources, probes, ports, selectors, references, image tags, pod security.
 * Returns problems as sentences; an empty list means valid.
 */
public final class ManifestValidator {

    /** apiVersion + kind -> the typed model class. A kind not listed here is rejected: add it deliberately. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    /** Our Quarkus services: their images live under this repository prefix. */
    static final String OWN_IMAGE_PREFIX = "llmops/";
    static final String READY_PATH = "/q/health/ready";
    static final String LIVE_PATH = "/q/health/live";

    // scheme://host[:port] inside a config value; the host is group 1. Bounded, linear input: our own manifests.
    private static final Pattern URL_HOST = Pattern.compile("^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^:/?]+)");

    /** A Deployment or StatefulSet, reduced to what the checks need. */
    record Workload(String kind, String name, LabelSelector selector, PodTemplateSpec template, Set<String> claims,
            String origin) {
        Map<String, String> podLabels() {
            return template == null || template.getMetadata() == null ? Map.of()
                    : Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of());
        }

        List<Container> containers() {
            return template == null || template.getSpec() == null ? List.of()
                    : Objects.requireNonNullElse(template.getSpec().getContainers(), List.of());
        }
    }

    private final Map<String, Set<String>> documentedSecrets;
    private final Set<String> externalHosts;

    /**
     * @param documentedSecrets Secret name -> keys, the Secrets an operator creates (see secrets.example.yaml)
     * @param externalHosts     bare host names that other installs provide (e.g. otel-collector)
     */
    public ManifestValidator(Map<String, Set<String>> documentedSecrets, Set<String> externalHosts) {
        this.documentedSecrets = documentedSecrets;
        this.externalHosts = externalHosts;
    }

    /** Reads the documented Secrets (names and keys) from an example file such as secrets.example.yaml. */
    public static Map<String, Set<String>> documentedSecrets(Path exampleFile) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        for (JsonNode doc : Yaml.documents(Files.readString(exampleFile))) {
            Secret s = Yaml.MAPPER.treeToValue(doc, Secret.class);
            Set<String> keys = new TreeSet<>();
            if (s.getStringData() != null) {
                keys.addAll(s.getStringData().keySet());
            }
            if (s.getData() != null) {
                keys.addAll(s.getData().keySet());
            }
            out.put(s.getMetadata().getName(), keys);
        }
        return out;
    }

    /** Binds one raw document to its typed class, or throws with a short reason. */
    public static HasMetadata bind(JsonNode tree) {
        String key = tree.path("apiVersion").asText("") + "/" + tree.path("kind").asText("");
        Class<? extends HasMetadata> type = KINDS.get(key);
        if (type == null) {
            throw new IllegalArgumentException("unsupported apiVersion/kind " + key + " (known: "
                    + new TreeSet<>(KINDS.keySet()) + ")");
        }
        try {
            HasMetadata typed = Yaml.MAPPER.treeToValue(tree, type);
            if (typed.getMetadata() == null || typed.getMetadata().getName() == null
                    || typed.getMetadata().getName().isBlank()) {
                throw new IllegalArgumentException("metadata.name is missing");
            }
            return typed;
        } catch (IOException e) {
            throw new IllegalArgumentException(Yaml.shortMessage(e), e);
        }
    }

    public List<String> validate(List<Resource> resources) {
        List<String> problems = new ArrayList<>();
        Map<String, HasMetadata> byId = new LinkedHashMap<>();
        Map<String, String> originOf = new LinkedHashMap<>();
        for (Resource r : resources) {
            HasMetadata typed;
            try {
                typed = bind(r.tree());
            } catch (IllegalArgumentException e) {
                problems.add(r + ": " + e.getMessage());
                continue;
            }
            String id = r.id();
            if (byId.putIfAbsent(id, typed) != null) {
                problems.add(r + ": defined twice (also in " + originOf.get(id) + ")");
            }
            originOf.putIfAbsent(id, r.origin());
        }

        Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
        Map<String, Service> services = new LinkedHashMap<>();
        List<Workload> workloads = new ArrayList<>();
        List<StatefulSet> statefulSets = new ArrayList<>();
        for (Map.Entry<String, HasMetadata> e : byId.entrySet()) {
            HasMetadata h = e.getValue();
            String origin = originOf.get(e.getKey());
            if (h instanceof ConfigMap cm) {
                configMaps.put(name(cm), cm);
            } else if (h instanceof Service s) {
                services.put(name(s), s);
            } else if (h instanceof Deployment d && d.getSpec() != null) {
                workloads.add(new Workload("Deployment", name(d), d.getSpec().getSelector(), d.getSpec().getTemplate(),
                        Set.of(), origin));
            } else if (h instanceof StatefulSet s && s.getSpec() != null) {
                Set<String> claims = new HashSet<>();
                for (PersistentVolumeClaim pvc : Objects.requireNonNullElse(s.getSpec().getVolumeClaimTemplates(),
                        List.<PersistentVolumeClaim>of())) {
                    claims.add(pvc.getMetadata() == null ? null : pvc.getMetadata().getName());
                }
                workloads.add(new Workload("StatefulSet", name(s), s.getSpec().getSelector(), s.getSpec().getTemplate(),
                        claims, origin));
                statefulSets.add(s);
            } else if (h instanceof Deployment || h instanceof StatefulSet) {
                problems.add(origin + ": " + e.getKey() + " has no spec");
            }
        }

        for (Workload w : workloads) {
            checkWorkload(w, problems);
        }
        for (StatefulSet s : statefulSets) {
            String svc = s.getSpec().getServiceName();
            if (svc == null || !services.containsKey(svc)) {
                problems.add(originOf.get("StatefulSet/" + name(s)) + ": StatefulSet/" + name(s)
                        + ": spec.serviceName " + svc + " names no Service of this build");
            }
        }
        for (Service s : services.values()) {
            checkService(s, originOf.get("Service/" + name(s)), workloads, problems);
        }
        for (Map.Entry<String, HasMetadata> e : byId.entrySet()) {
            String origin = originOf.get(e.getKey()) + ": " + e.getKey();
            if (e.getValue() instanceof HorizontalPodAutoscaler hpa) {
                checkHpa(hpa, origin, workloads, problems);
            } else if (e.getValue() instanceof PodDisruptionBudget pdb) {
                checkPdb(pdb, origin, workloads, problems);
            }
        }
        for (Resource r : resources) {
            checkReferences(r, r.tree(), configMaps, problems);
        }
        for (ConfigMap cm : configMaps.values()) {
            checkHosts(cm, originOf.get("ConfigMap/" + name(cm)), services.keySet(), problems);
        }
        return problems;
    }

    private static String name(HasMetadata h) {
        return h.getMetadata().getName();
    }

    // --- workloads ---------------------------------------------------------------------------------------

    private void checkWorkload(Workload w, List<String> problems) {
        String at = w.origin() + ": " + w.kind() + "/" + w.name();
        if (w.template() == null || w.template().getSpec() == null) {
            problems.add(at + ": no pod template");
            return;
        }
        if (!Selectors.matches(w.selector(), w.podLabels())) {
            problems.add(at + ": spec.selector does not match the pod template's labels");
        }
        PodSpec pod = w.template().getSpec();
        if (w.containers().isEmpty()) {
            problems.add(at + ": no containers");
        }
        Set<String> volumes = new HashSet<>();
        for (Volume v : Objects.requireNonNullElse(pod.getVolumes(), List.<Volume>of())) {
            volumes.add(v.getName());
        }
        volumes.addAll(w.claims());
        for (Container c : w.containers()) {
            String cat = at + " container " + c.getName();
            checkImage(c, cat, problems);
            checkResources(c.getResources(), cat, problems);
            checkProbes(c, cat, problems);
            checkSecurity(pod.getSecurityContext(), c, cat, problems);
            for (VolumeMount m : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
                if (!volumes.contains(m.getName())) {
                    problems.add(cat + ": volumeMount " + m.getName() + " names no volume of the pod");
                }
            }
        }
    }

    private static void checkImage(Container c, String at, List<String> problems) {
        String image = c.getImage();
        if (image == null || image.isBlank()) {
            problems.add(at + ": no image");
            return;
        }
        if (image.contains("@sha256:")) {
            return;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            problems.add(at + ": image " + image + " has no tag (that means latest): pin a version");
        } else if (image.substring(colon + 1).equalsIgnoreCase("latest")) {
            problems.add(at + ": image " + image + " uses the latest tag: pin a version");
        }
    }

    private static void checkResources(ResourceRequirements r, String at, List<String> problems) {
        if (r == null) {
            problems.add(at + ": no resources: set requests and limits for cpu and memory");
            return;
        }
        for (String kind : List.of("requests", "limits")) {
            Map<String, Quantity> m = kind.equals("requests") ? r.getRequests() : r.getLimits();
            for (String res : List.of("cpu", "memory")) {
                if (m == null || m.get(res) == null) {
                    problems.add(at + ": resources." + kind + "." + res + " is missing");
                }
            }
        }
        if (r.getRequests() != null && r.getLimits() != null) {
            for (String res : List.of("cpu", "memory")) {
                Quantity req = r.getRequests().get(res);
                Quantity lim = r.getLimits().get(res);
                if (req != null && lim != null
                        && Quantity.getAmountInBytes(req).compareTo(Quantity.getAmountInBytes(lim)) > 0) {
                    problems.add(at + ": " + res + " request " + req + " exceeds its limit " + lim);
                }
            }
        }
    }

    private static void checkProbes(Container c, String at, List<String> problems) {
        boolean own = c.getImage() != null && c.getImage().startsWith(OWN_IMAGE_PREFIX);
        Probe ready = c.getReadinessProbe();
        Probe live = c.getLivenessProbe();
        if (ready == null) {
            problems.add(at + ": no readinessProbe");
        }
        if (live == null) {
            problems.add(at + ": no livenessProbe");
        }
        for (Probe p : new Probe[] {ready, live, c.getStartupProbe()}) {
            if (p != null) {
                checkProbePort(p, c, at, problems);
            }
        }
        if (!own) {
            return;
        }
        if (c.getStartupProbe() == null) {
            problems.add(at + ": no startupProbe (JVM start takes seconds; liveness must not kill it meanwhile)");
        }
        if (ready != null && !httpPath(ready, READY_PATH)) {
            problems.add(at + ": readinessProbe must be httpGet " + READY_PATH);
        }
        if (live != null && !httpPath(live, LIVE_PATH)) {
            problems.add(at + ": livenessProbe must be httpGet " + LIVE_PATH);
        }
        boolean httpPort = Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of()).stream()
                .anyMatch(p -> "http".equals(p.getName()));
        if (!httpPort) {
            problems.add(at + ": needs one container port named http (HTTP and gRPC share it)");
        }
    }

    private static boolean httpPath(Probe p, String path) {
        return p.getHttpGet() != null && path.equals(p.getHttpGet().getPath());
    }

    private static void checkProbePort(Probe p, Container c, String at, List<String> problems) {
        IntOrString port = p.getHttpGet() != null ? p.getHttpGet().getPort()
                : p.getTcpSocket() != null ? p.getTcpSocket().getPort()
                : p.getGrpc() != null ? new IntOrString(p.getGrpc().getPort()) : null;
        if (p.getHttpGet() == null && p.getTcpSocket() == null && p.getGrpc() == null && p.getExec() == null) {
            problems.add(at + ": a probe has no handler (httpGet, tcpSocket, grpc or exec)");
        }
        if (port != null && !containerHasPort(c, port)) {
            problems.add(at + ": a probe uses port " + show(port) + ", which the container does not declare");
        }
    }

    private static void checkSecurity(PodSecurityContext pod, Container c, String at, List<String> problems) {
        SecurityContext sc = c.getSecurityContext();
        boolean nonRoot = (sc != null && Boolean.TRUE.equals(sc.getRunAsNonRoot()))
                || (pod != null && Boolean.TRUE.equals(pod.getRunAsNonRoot())
                        && (sc == null || sc.getRunAsNonRoot() == null));
        if (!nonRoot) {
            problems.add(at + ": must run with runAsNonRoot: true");
        }
        if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
            problems.add(at + ": securityContext.allowPrivilegeEscalation must be false");
        }
        if (sc == null || sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
                || !sc.getCapabilities().getDrop().contains("ALL")) {
            problems.add(at + ": securityContext.capabilities.drop must contain ALL");
        }
        boolean seccomp = (sc != null && sc.getSeccompProfile() != null)
                || (pod != null && pod.getSeccompProfile() != null);
        if (!seccomp) {
            problems.add(at + ": set a seccompProfile (RuntimeDefault)");
        }
        if (c.getImage() != null && c.getImage().startsWith(OWN_IMAGE_PREFIX)) {
            if (sc == null || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                problems.add(at + ": securityContext.readOnlyRootFilesystem must be true");
            }
            boolean tmp = Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of()).stream()
                    .anyMatch(m -> "/tmp".equals(m.getMountPath()));
            if (!tmp) {
                problems.add(at + ": mount a writable volume (emptyDir) at /tmp");
            }
        }
    }

    private static boolean containerHasPort(Container c, IntOrString port) {
        for (ContainerPort p : Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of())) {
            if (port.getStrVal() != null ? port.getStrVal().equals(p.getName())
                    : Objects.equals(port.getIntVal(), p.getContainerPort())) {
                return true;
            }
        }
        return false;
    }

    private static String show(IntOrString p) {
        return p.getStrVal() != null ? p.getStrVal() : String.valueOf(p.getIntVal());
    }

    // --- services, HPAs, PDBs ------------------------------------------------------------------------------

    private static void checkService(Service s, String origin, List<Workload> workloads, List<String> problems) {
        String at = origin + ": Service/" + name(s);
        if (s.getSpec() == null || s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty()) {
            problems.add(at + ": no selector (this repository has no manually managed endpoints)");
            return;
        }
        List<Workload> matched = workloads.stream()
                .filter(w -> Selectors.matches(s.getSpec().getSelector(), w.podLabels())).toList();
        if (matched.isEmpty()) {
            problems.add(at + ": selector " + s.getSpec().getSelector() + " matches no pod template");
            return;
        }
        for (ServicePort p : Objects.requireNonNullElse(s.getSpec().getPorts(), List.<ServicePort>of())) {
            IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
            for (Workload w : matched) {
                if (w.containers().stream().noneMatch(c -> containerHasPort(c, target))) {
                    problems.add(at + ": port " + p.getName() + " targets " + show(target) + ", which "
                            + w.kind() + "/" + w.name() + " does not expose");
                }
            }
        }
        if (s.getSpec().getPorts() == null || s.getSpec().getPorts().isEmpty()) {
            problems.add(at + ": no ports");
        }
    }

    private static void checkHpa(HorizontalPodAutoscaler hpa, String at, List<Workload> workloads,
            List<String> problems) {
        if (hpa.getSpec() == null || hpa.getSpec().getScaleTargetRef() == null) {
            problems.add(at + ": no scaleTargetRef");
            return;
        }
        CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
        boolean found = workloads.stream()
                .anyMatch(w -> w.kind().equals(ref.getKind()) && w.name().equals(ref.getName()));
        if (!found) {
            problems.add(at + ": scaleTargetRef " + ref.getKind() + "/" + ref.getName() + " does not exist");
        }
        Integer min = hpa.getSpec().getMinReplicas();
        Integer max = hpa.getSpec().getMaxReplicas();
        if (max == null || max < 1 || (min != null && min > max)) {
            problems.add(at + ": replicas must satisfy 1 <= minReplicas <= maxReplicas");
        }
    }

    private static void checkPdb(PodDisruptionBudget pdb, String at, List<Workload> workloads, List<String> problems) {
        if (pdb.getSpec() == null || pdb.getSpec().getSelector() == null) {
            problems.add(at + ": no selector");
            return;
        }
        if (workloads.stream().noneMatch(w -> Selectors.matches(pdb.getSpec().getSelector(), w.podLabels()))) {
            problems.add(at + ": selector matches no workload's pods");
        }
        if (pdb.getSpec().getMinAvailable() == null && pdb.getSpec().getMaxUnavailable() == null) {
            problems.add(at + ": set minAvailable or maxUnavailable");
        }
    }

    // --- references ----------------------------------------------------------------------------------------

    /** Walks the raw tree, so every place a ConfigMap or Secret can be named is covered, patches included. */
    private void checkReferences(Resource r, JsonNode node, Map<String, ConfigMap> configMaps,
            List<String> problems) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                switch (e.getKey()) {
                    case "configMapRef", "configMapKeyRef", "configMap" -> {
                        String cm = v.path("name").asText("");
                        if (!configMaps.containsKey(cm)) {
                            problems.add(r + ": references ConfigMap " + cm + ", which is not in this build");
                        } else if (v.has("key")) {
                            Map<String, String> data = configMaps.get(cm).getData();
                            if (data == null || !data.containsKey(v.get("key").asText())) {
                                problems.add(r + ": ConfigMap " + cm + " has no key " + v.get("key").asText());
                            }
                        }
                    }
                    case "secretKeyRef", "secretRef" -> checkSecret(r, v.path("name").asText(""),
                            v.has("key") ? v.get("key").asText() : null, problems);
                    case "secret" -> {
                        if (v.has("secretName")) {
                            checkSecret(r, v.get("secretName").asText(), null, problems);
                        }
                    }
                    default -> {
                    }
                }
                checkReferences(r, v, configMaps, problems);
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                checkReferences(r, child, configMaps, problems);
            }
        }
    }

    private void checkSecret(Resource r, String name, String key, List<String> problems) {
        Set<String> keys = documentedSecrets.get(name);
        if (keys == null) {
            problems.add(r + ": references Secret " + name + ", which secrets.example.yaml does not document");
        } else if (key != null && !keys.contains(key)) {
            problems.add(r + ": references key " + key + " of Secret " + name + ", which is not documented");
        }
    }

    /** A bare host name in a ConfigMap value must be a Service of this build (or a known external one). */
    private void checkHosts(ConfigMap cm, String origin, Set<String> services, List<String> problems) {
        if (cm.getData() == null) {
            return;
        }
        for (Map.Entry<String, String> e : cm.getData().entrySet()) {
            String host = null;
            Matcher m = URL_HOST.matcher(e.getValue());
            if (m.find()) {
                host = m.group(1);
            } else if (e.getKey().endsWith("_HOST")) {
                host = e.getValue().trim();
            }
            if (host != null && !host.contains(".") && !host.equals("localhost") && !services.contains(host)
                    && !externalHosts.contains(host)) {
                problems.add(origin + ": ConfigMap/" + name(cm) + " " + e.getKey() + " points at host " + host
                        + ", which is no Service of this build");
            }
        }
    }
}
