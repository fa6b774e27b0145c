package dev.llmops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The validator rejects broken manifests. Each case changes one thing in a valid baseline (which itself must
 * pass, so a failure is caused by that change) and expects a problem naming it.
 */
class ManifestValidatorTest {

    static final String BASELINE = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: demo-config
            data:
              QUARKUS_REDIS_HOSTS: "redis://redis:6379"
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: demo
              template:
                metadata:
                  labels:
                    app: demo
                spec:
                  securityContext:
                    runAsNonRoot: true
                    seccompProfile:
                      type: RuntimeDefault
                  containers:
                    - name: demo
                      image: llmops/demo:0.1.0
                      ports:
                        - name: http
                          containerPort: 8091
                      envFrom:
                        - configMapRef:
                            name: demo-config
                      env:
                        - name: PASSWORD
                          valueFrom:
                            secretKeyRef:
                              name: demo-secret
                              key: password
                      resources:
                        requests: {cpu: 250m, memory: 512Mi}
                        limits: {cpu: "1", memory: 768Mi}
                      startupProbe:
                        httpGet: {path: /q/health/started, port: http}
                      readinessProbe:
                        httpGet: {path: /q/health/ready, port: http}
                      livenessProbe:
                        httpGet: {path: /q/health/live, port: http}
                      securityContext:
                        allowPrivilegeEscalation: false
                        readOnlyRootFilesystem: true
                        capabilities:
                          drop: [ALL]
                      volumeMounts:
                        - name: tmp
                          mountPath: /tmp
                  volumes:
                    - name: tmp
                      emptyDir: {}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: redis
            spec:
              selector:
                app: demo
              ports:
                - name: http
                  port: 8091
                  targetPort: http
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: demo
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: demo}
              minReplicas: 2
              maxReplicas: 10
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: demo
            spec:
              minAvailable: 1
              selector:
                matchLabels:
                  app: demo
            """;

    private static final ManifestValidator VALIDATOR =
            new ManifestValidator(Map.of("demo-secret", Set.of("password")), Set.of());

    private static List<String> validate(String yaml) {
        List<Resource> rs = new ArrayList<>();
        for (JsonNode doc : Yaml.documents(yaml)) {
            rs.add(new Resource("test.yaml", (ObjectNode) doc));
        }
        return VALIDATOR.validate(rs);
    }

    private static void assertRejected(String yaml, String expected) {
        List<String> problems = validate(yaml);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                "expected a problem containing [" + expected + "], got " + problems);
    }

    private static String broken(String from, String to) {
        assertTrue(BASELINE.contains(from), "test bug: baseline has no " + from);
        return BASELINE.replace(from, to);
    }

    @Test
    void baselineIsValid() {
        assertEquals(List.of(), validate(BASELINE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            misspelled top-level field     | '  replicas: 2'                  | '  replica: 2'                    | Unrecognized field "replica"
            misspelled nested field        | '    - name: http'               | '    - nmae: http'                | Unrecognized field "nmae"
            wrong type                     | '  replicas: 2'                  | '  replicas: two'                 | Deployment/demo
            unknown kind                   | 'kind: PodDisruptionBudget'      | 'kind: PodDisruptionBudgets'     | unsupported apiVersion/kind policy/v1/PodDisruptionBudgets
            missing readiness probe        | '      readinessProbe:'           | '      readinessProbeX:'          | Unrecognized field "readinessProbeX"
            latest tag                     | 'llmops/demo:0.1.0'              | 'llmops/demo:latest'              | uses the latest tag
            no tag                         | 'llmops/demo:0.1.0'              | 'llmops/demo'                     | has no tag
            service targets no port        | '      targetPort: http'          | '      targetPort: grpc'          | targets grpc, which Deployment/demo does not expose
            service selects nothing        | 'spec:\n  selector:\n    app: demo' | 'spec:\n  selector:\n    app: nope' | matches no pod template
            HPA target missing             | 'kind: Deployment, name: demo}'  | 'kind: Deployment, name: dmeo}'   | scaleTargetRef Deployment/dmeo does not exist
            PDB selects nothing            | 'minAvailable: 1\n  selector:\n    matchLabels:\n      app: demo' | 'minAvailable: 1\n  selector:\n    matchLabels:\n      app: nope' | selector matches no workload
            unknown ConfigMap              | '      name: demo-config\n'       | '      name: other-config\n'      | references ConfigMap other-config
            undocumented Secret            | 'name: demo-secret'              | 'name: prod-secret'               | Secret prod-secret, which secrets.example.yaml does not document
            undocumented Secret key        | 'key: password'                  | 'key: passwd'                     | key passwd of Secret demo-secret
            wrong readiness path           | 'path: /q/health/ready'          | 'path: /health'                   | readinessProbe must be httpGet /q/health/ready
            probe on undeclared port       | '{path: /q/health/live, port: http}' | '{path: /q/health/live, port: 9000}' | port 9000, which the container does not declare
            no limits                      | '    limits: {cpu: "1", memory: 768Mi}' | '    limits: {cpu: "1"}'     | resources.limits.memory is missing
            request above limit            | 'requests: {cpu: 250m, memory: 512Mi}' | 'requests: {cpu: 2, memory: 512Mi}' | cpu request 2 exceeds its limit 1
            writable root filesystem       | 'readOnlyRootFilesystem: true'   | 'readOnlyRootFilesystem: false'   | readOnlyRootFilesystem must be true
            capabilities kept              | 'drop: [ALL]'                    | 'drop: [NET_RAW]'                 | capabilities.drop must contain ALL
            host not in build              | 'redis://redis:6379'             | 'redis://redis-master:6379'       | points at host redis-master
            mount without volume           | '- name: tmp\n              mountPath' | '- name: scratch\n              mountPath' | volumeMount scratch names no volume
            """)
    void rejects(String what, String from, String to, String expected) {
        assertRejected(broken(from.replace("\\n", "\n"), to.replace("\\n", "\n")), expected);
    }

    @Test
    void missingReadinessProbeIsReported() {
        String yaml = BASELINE.replaceAll("(?m)^ *readinessProbe:\\n.*\\n", "");
        assertTrue(yaml.length() < BASELINE.length(), "test bug: probe not removed");
        assertRejected(yaml, "container demo: no readinessProbe");
    }

    @Test
    void missingStartupProbeIsReportedForOurServices() {
        String yaml = BASELINE.replaceAll("(?m)^ *startupProbe:\\n.*\\n", "");
        assertTrue(yaml.length() < BASELINE.length(), "test bug: probe not removed");
        assertRejected(yaml, "no startupProbe");
    }

    @Test
    void duplicateYamlKeyIsRejected() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Yaml.documents(broken("  replicas: 2", "  replicas: 2\n  replicas: 3")));
        assertTrue(e.getMessage().contains("Duplicate field 'replicas'"), e.getMessage());
    }

    @Test
    void jsonPatchDocumentStaysOneSequence() {
        List<JsonNode> docs = Yaml.documents("- op: add\n  path: /a\n  value: 1\n- op: remove\n  path: /b\n");
        assertEquals(1, docs.size());
        assertEquals(2, docs.get(0).size());
    }

    @Test
    void kustomizationWithMissingResourceOrMisspelledFieldIsRejected(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - present.yaml
                  - absent.yaml
                  - folder-without-kustomization
                """);
        Files.writeString(dir.resolve("present.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n");
        Files.createDirectory(dir.resolve("folder-without-kustomization"));
        KustomizeLoader.Build b = KustomizeLoader.load(dir);
        assertEquals(1, b.resources().size());
        assertTrue(b.problems().stream().anyMatch(p -> p.contains("resource absent.yaml does not exist")),
                b.problems().toString());
        assertTrue(b.problems().stream().anyMatch(p -> p.contains("no kustomization.yaml")), b.problems().toString());

        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resource:
                  - present.yaml
                """);
        KustomizeLoader.Build typo = KustomizeLoader.load(dir);
        assertTrue(typo.problems().stream().anyMatch(p -> p.contains("Unrecognized field \"resource\"")),
                typo.problems().toString());
    }

    @Test
    void patchThatMatchesNothingIsRejected(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - cm.yaml
                patches:
                  - path: patch.yaml
                """);
        Files.writeString(dir.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  K: v\n");
        Files.writeString(dir.resolve("patch.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  K: w\n");
        KustomizeLoader.Build b = KustomizeLoader.load(dir);
        assertTrue(b.problems().stream().anyMatch(p -> p.contains("ConfigMap/b matches no resource")),
                b.problems().toString());
        assertEquals("v", b.resources().get(0).tree().path("data").path("K").asText());
    }
}
