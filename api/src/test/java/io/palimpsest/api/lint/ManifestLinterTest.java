package io.palimpsest.api.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code palimpsest lint} reports for manifests a user could write: every problem, by file, line and field. */
class ManifestLinterTest {

    static final String MODEL = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriterModel
            metadata:
              name: qwen-small
            spec:
              endpoint:
                url: http://localhost:8000
            """;

    static final String JOB = """
            apiVersion: palimpsest.io/v1alpha1
            kind: RewriteJob
            metadata:
              name: trial
            spec:
              modelRef:
                name: qwen-small
              input:
                uri: file://data/
              output:
                uri: file://out/
              recipe:
                prompts:
                  - name: wiki
                    user: "Rewrite: {{ text }}"
                    sampling: {temperature: 0.7, maxTokens: 256}
            """;

    @TempDir
    Path dir;

    @Test
    void validManifestsPassWithDefaultsApplied() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("job.yaml"), JOB);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(List.of(), result.problems());
        var job = result.jobs().get(0).object();
        // defaults the API server would fill in
        assertEquals("text", job.getSpec().getInput().getTextField());
        assertEquals("zstd", job.getSpec().getOutput().getCompression().name());
        assertEquals("qwen-small", result.modelOf(job).object().getMetadata().getName());
    }

    @Test
    void everyProblemIsListedWithFileLineAndField() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        String bad = JOB.replace("temperature: 0.7", "temprature: 0.7")
                .replace("name: qwen-small", "name: qwen-smal")
                .replace("uri: file://data/", "uri: pvc://corpus/../../etc/")
                .replace("maxTokens: 256", "maxTokens: 0");
        Files.writeString(dir.resolve("job.yaml"), bad);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        String report = result.describe();
        assertEquals(4, result.problems().size(), report);
        assertLine(
                result,
                "spec.recipe.prompts[0].sampling.temprature",
                16,
                "unknown field \"temprature\" (did you mean \"temperature\"?)");
        assertLine(result, "spec.recipe.prompts[0].sampling.maxTokens", 16, "greater than or equal to 1");
        assertLine(result, "spec.input.uri", 9, "must not contain '..' path segments");
        assertLine(
                result,
                "spec.modelRef.name",
                7,
                "names RewriterModel \"qwen-smal\", which is not among the given manifests (they hold: qwen-small)");
        assertTrue(result.problems().stream().allMatch(p -> p.file().equals(dir.resolve("job.yaml"))));
        assertFalse(report.matches("(?s).*(java\\.|io\\.palimpsest|Exception).*"), report);
    }

    /**
     * A route naming a variant the prompts do not have: besides the CRD rule's words on spec.recipe, the route's own
     * line names the variant and the prompts there are, as a misspelt name needs.
     */
    @Test
    void aRouteNamingAnUnknownVariantIsNamedOnItsOwnLine() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        String bad = JOB.replace(
                "  recipe:\n",
                "  recipe:\n    routes:\n      - when: \"meta.lang == 'en'\"\n        variants: [wiky]\n");
        Files.writeString(dir.resolve("job.yaml"), bad);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertLine(result, "spec.recipe", 12, "routes name a variant that is not in prompts");
        assertLine(
                result,
                "spec.recipe.routes[0].variants[0]",
                15,
                "names variant \"wiky\", which is not in prompts (did you mean \"wiki\"?) (prompts: wiki)");
    }

    /** A job given without its model's manifest (its own file, beside it): the refusal says how to give both. */
    @Test
    void aJobGivenWithoutItsModelsFileSaysToGiveTheFolder() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("job.yaml"), JOB);
        ManifestLinter.Result result = new ManifestLinter().lint(dir.resolve("job.yaml"));
        assertLine(
                result,
                "spec.modelRef.name",
                7,
                "names RewriterModel \"qwen-small\", which is not among the given manifests (they hold no"
                        + " RewriterModel: give the model's manifest too, -f on the folder that holds both)");
    }

    /**
     * A number past 64 bits in a long field (one without a maximum of its own, as the seed) is
     * refused by the schema check on its field and line, with the value and the largest 64-bit
     * integer, as every other bound is, instead of failing the conversion with no value named.
     */
    @Test
    void aLongPast64BitsIsRefusedNamingTheValueAndTheLargestLong() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        String bad = JOB.replace("maxTokens: 256", "maxTokens: 256, seed: -99999999999999999999")
                .replace("input:\n", "input:\n    limit: 99999999999999999999\n");
        Files.writeString(dir.resolve("job.yaml"), bad);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        String report = result.describe();
        assertEquals(2, result.problems().size(), report);
        assertLine(
                result,
                "spec.recipe.prompts[0].sampling.seed",
                17,
                "Invalid value: -99999999999999999999: should be greater than or equal to -9223372036854775808"
                        + " (a 64-bit integer)");
        assertLine(
                result,
                "spec.input.limit",
                9,
                "Invalid value: 99999999999999999999: should be less than or equal to 9223372036854775807");
    }

    /**
     * Names the operator could not carry are refused here as there, with the same message: a job's
     * worker pods' host names, an operated model's headless Service. A model behind an external
     * endpoint gets no Service, so its name is not bound.
     */
    /**
     * Object names may hold dots and start with a digit; a worker pod's host name (a DNS-1123 label) and
     * a Service's name (a DNS-1035 label, a letter first) may not.
     */
    @Test
    void namesThatCannotNameTheirPodsOrServicesAreRefusedAsOnACluster() throws Exception {
        String dotted = MODEL.replace("name: qwen-small", "name: qwen2.5-7b")
                .replace("  endpoint:\n    url: http://localhost:8000\n", "  model: org/m\n");
        String digitFirst = MODEL.replace("name: qwen-small", "name: 8b-rewriter")
                .replace("  endpoint:\n    url: http://localhost:8000\n", "  model: org/m\n");
        String external = MODEL.replace("name: qwen-small", "name: 8b.external");
        Files.writeString(
                dir.resolve("all.yaml"),
                dotted + "---\n" + digitFirst + "---\n" + external + "---\n"
                        + JOB.replace("name: trial", "name: report-v1.2"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> names = result.problems().stream()
                .filter(p -> p.field().equals("metadata.name"))
                .map(ManifestLinter.Problem::message)
                .toList();
        assertEquals(3, names.size(), result.describe());
        assertTrue(names.get(0).startsWith("'qwen2.5-7b' cannot name the model's Services (<name>-vllm"), names.get(0));
        assertTrue(names.get(1).startsWith("'8b-rewriter' cannot name the model's Services"), names.get(1));
        assertTrue(names.get(2).startsWith("'report-v1.2' cannot start a pod's host name"), names.get(2));
        assertEquals(Optional.empty(), NameLimits.shardIndexes("j".repeat(NameLimits.MAX_JOB_NAME), 1_000_000));
        assertTrue(NameLimits.shardIndexes("j".repeat(NameLimits.MAX_JOB_NAME), 1_000_001)
                .orElseThrow()
                .contains("-work-1000000, 64 characters"));
    }

    /** A token in the URL would be shown wherever the URL is (status, logs) and is dropped by the workers anyway. */
    @Test
    void anEndpointUrlWithCredentialsQueryOrFragmentIsRefusedAsOnACluster() throws Exception {
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL.replace("http://localhost:8000", "https://gateway.example/openai?api-key=sk-123") + "---\n"
                        + MODEL.replace("name: qwen-small", "name: frag")
                                .replace("http://localhost:8000", "https://gateway.example/v#x")
                        + "---\n"
                        + MODEL.replace("name: qwen-small", "name: userinfo")
                                .replace("http://localhost:8000", "https://me:pw@gateway.example")
                        + "---\n"
                        + MODEL.replace("name: qwen-small", "name: prefixed")
                                .replace("http://localhost:8000", "https://gateway.example/team-a"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> urls = result.problems().stream()
                .filter(p -> p.field().equals("spec.endpoint.url"))
                .map(ManifestLinter.Problem::message)
                .toList();
        assertEquals(3, urls.size(), "the model with a path prefix is accepted: " + result.describe());
        assertTrue(urls.get(0).contains("must not carry a query or fragment"), urls.get(0));
        assertTrue(urls.get(1).contains("must not carry a query or fragment"), urls.get(1));
        assertTrue(urls.get(2).contains("must not carry credentials; use apiKeySecretRef"), urls.get(2));
        assertTrue(
                urls.get(2).contains("https://gateway.example (user info, query and fragment not shown)"), urls.get(2));
        assertFalse(urls.get(2).contains("pw"), "the password is not repeated: " + urls.get(2));
    }

    /** The pattern of spec.endpoint.url is said in words, the words --endpoint is refused in, not as a regex. */
    @Test
    void aMalformedEndpointUrlIsRefusedInWordsNotARegularExpression() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL.replace("http://localhost:8000", "htp:/bad"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertLine(
                result,
                "spec.endpoint.url",
                7,
                "Invalid value: htp:/bad: endpoint.url should be a base URL: http:// or https://, then a host (with"
                        + " :port if needed), then an optional path, with no spaces, e.g. http://vllm.inference:8000");
        assertFalse(result.describe().contains("[^"), "no regex: " + result.describe());
        assertEquals(1, result.problems().size(), result.describe());
    }

    @Test
    void namesTooLongForTheObjectsNamedAfterThemAreRefusedAsOnACluster() throws Exception {
        String longJob = "j".repeat(NameLimits.MAX_JOB_NAME + 1);
        String operated = MODEL.replace(
                        "name: qwen-small", "name: " + "m".repeat(NameLimits.MAX_OPERATED_MODEL_NAME + 1))
                .replace("  endpoint:\n    url: http://localhost:8000\n", "  model: org/m\n");
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL.replace("name: qwen-small", "name: " + "e".repeat(60)) + "---\n" + operated + "---\n"
                        + JOB.replace("name: trial", "name: " + longJob));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> names = result.problems().stream()
                .filter(p -> p.field().equals("metadata.name"))
                .map(p -> p.line() + " " + p.message())
                .toList();
        assertEquals(
                List.of(
                        12
                                + " at most 49 characters for a model the operator runs (its headless Service is named <name>-vllm-replicas"
                                + " and that name has at most 63); this one has 50",
                        19
                                + " at most 51 characters (worker pods are named <name>-work-<index> and a pod hostname has at most"
                                + " 63); this one has 52"),
                names,
                result.describe());
    }

    /** kubectl refuses a namespace that is not a DNS-1123 label (and a name that is not a subdomain); so does lint. */
    @Test
    void aNamespaceOrNameKubectlRefusesIsRefused() throws Exception {
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL.replace("  name: qwen-small\n", "  name: qwen-small\n  namespace: Bad_NS\n") + "---\n"
                        + JOB.replace("  name: trial\n", "  name: trial\n  namespace: " + "n".repeat(64) + "\n")
                        + "---\n"
                        + JOB.replace("name: trial", "name: Bad_Name") + "---\n"
                        + JOB.replace("name: trial", "name: " + "x".repeat(254)));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> found = result.problems().stream()
                .filter(p -> p.field().startsWith("metadata."))
                .map(p -> p.line() + " " + p.field() + ": " + p.message())
                .toList();
        assertEquals(4, found.size(), result.describe());
        assertTrue(found.get(0).startsWith("5 metadata.namespace: Invalid value \"Bad_NS\""), found.get(0));
        assertTrue(found.get(1).startsWith("14 metadata.namespace: Invalid value \"nnnn"), found.get(1));
        assertTrue(found.get(1).contains("at most 63"), found.get(1));
        assertTrue(found.get(2).startsWith("31 metadata.name: Invalid value \"Bad_Name\""), found.get(2));
        assertTrue(found.get(3).startsWith("48 metadata.name: Invalid value \"xxxx"), found.get(3));
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL.replace("  name: qwen-small\n", "  name: qwen-small\n  namespace: team-a\n") + "---\n"
                        + JOB.replace("  name: trial\n", "  name: trial\n  namespace: team-a\n"));
        assertEquals(List.of(), new ManifestLinter().lint(dir).problems(), "a valid namespace passes");
    }

    /** kubectl refuses a document that is a list or a single value; lint refuses it at its line, naming the file. */
    @Test
    void aDocumentThatIsNotAMappingIsRefusedNotSkipped() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("jobs.yaml"), "- " + JOB.strip().replace("\n", "\n  ") + "\n");
        Files.writeString(dir.resolve("note.yaml"), "# comment\n---\n" + JOB + "---\njust a string\n---\n");
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(2, result.problems().size(), result.describe());
        ManifestLinter.Problem list = result.problems().get(0);
        assertEquals(dir.resolve("jobs.yaml"), list.file());
        assertEquals(1, list.line(), list.toString());
        assertTrue(
                list.message().startsWith("the document is a list, not a manifest: kubectl refuses it"),
                list.toString());
        ManifestLinter.Problem scalar = result.problems().get(1);
        assertEquals(dir.resolve("note.yaml"), scalar.file());
        assertEquals(20, scalar.line(), scalar.toString());
        assertTrue(scalar.message().startsWith("the document is a single value"), scalar.toString());
        assertEquals(1, result.jobs().size(), "the job in its own document is read; the empty ones are skipped");
    }

    /**
     * {@code include: []} takes every file, as no include does: the CRD of a release accepted it (a minimum
     * would break resources on a cluster), so lint accepts it too, and the worker reads it the same way.
     */
    @Test
    void anEmptyIncludeListIsAcceptedOnBothSidesAsNoFilter() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(
                dir.resolve("job.yaml"),
                JOB.replace("    uri: file://data/\n", "    uri: file://data/\n    include: []\n"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(List.of(), result.problems());
        assertEquals(
                List.of(), result.jobs().get(0).object().getSpec().getInput().getInclude());
        var input = CrdSchema.rewriteJobs().schema();
        @SuppressWarnings("unchecked")
        var include = (java.util.Map<String, Object>)
                path(input, "properties", "spec", "properties", "input", "properties", "include");
        assertEquals(null, include.get("minItems"), "the CRD accepts include: [] as lint does");
        assertTrue(String.valueOf(include.get("description")).contains("empty list"), include.toString());
    }

    @SuppressWarnings("unchecked")
    private static Object path(java.util.Map<String, Object> node, String... keys) {
        Object at = node;
        for (String k : keys) {
            at = ((java.util.Map<String, Object>) at).get(k);
        }
        return at;
    }

    /** The operator refuses a model whose engine env names a variable twice; lint says so first, on the field. */
    @Test
    void aVariableSetTwiceInTheEngineEnvIsRefusedOnItsField() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL + """
                  engine:
                    env:
                      - {name: VLLM_LOGGING_LEVEL, value: DEBUG}
                      - {name: HF_HUB_OFFLINE, value: "0"}
                      - {name: VLLM_LOGGING_LEVEL, value: INFO}
                """);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        var p = result.problems().get(0);
        assertEquals("spec.engine.env[2].name", p.field());
        assertEquals(
                "Duplicate value: \"VLLM_LOGGING_LEVEL\" (already set by spec.engine.env[0]); each variable may be set once",
                p.message());
        assertEquals(12, p.line());
    }

    /**
     * Tolerations and env variables are Kubernetes types the CRDs copy without the API server's rules:
     * the cluster stores the manifest and then refuses the Deployment or Job made from it (422). lint
     * (and local, and the operator before it makes anything) refuses them on their field instead.
     */
    @Test
    void tolerationsAndEnvTheApiServerWouldRefuseInThePodsAreRefusedOnTheirFields() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL + """
                  scheduling:
                    tolerations:
                      - {key: nvidia.com/gpu, operator: exists, effect: NoSchedule}
                      - {operator: Equal, value: "true"}
                      - {key: spot, operator: Exists, value: "true"}
                      - {key: spot, operator: Exists, effect: NoSchedul}
                      - {key: spot, operator: Exists, effect: NoSchedule, tolerationSeconds: 60}
                      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                  engine:
                    env:
                      - {value: "1"}
                """);
        Files.writeString(dir.resolve("job.yaml"), JOB + """
                  workers:
                    scheduling:
                      tolerations:
                        - {key: spot, operator: Equals}
                """);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> found = result.problems().stream()
                .map(p -> p.file().getFileName() + ":" + p.field() + ": " + p.message())
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "job.yaml:spec.workers.scheduling.tolerations[0].operator: Unsupported value: \"Equals\": supported values: \"Equal\", \"Exists\"",
                        "model.yaml:spec.engine.env[0].name: Required value",
                        "model.yaml:spec.scheduling.tolerations[0].operator: Unsupported value: \"exists\": supported values: \"Equal\", \"Exists\"",
                        "model.yaml:spec.scheduling.tolerations[1].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
                        "model.yaml:spec.scheduling.tolerations[2].value: Invalid value: \"true\": value must be empty when `operator` is 'Exists'",
                        "model.yaml:spec.scheduling.tolerations[3].effect: Unsupported value: \"NoSchedul\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"",
                        "model.yaml:spec.scheduling.tolerations[4].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"),
                found,
                result.describe());
    }

    /**
     * Label keys and values in a nodeSelector, in affinity match expressions and label selectors, a
     * topologyKey and a toleration's key and value are copied into the pods as written; the CRDs store
     * any string there and the API server then refuses the Deployment or Job made from them (422).
     * lint (and local, and the operator before it makes anything) refuses them on their field, in
     * the API server's words; well-formed keys (prefixed, dotted) and an empty value pass.
     */
    @Test
    void labelKeysAndValuesTheApiServerWouldRefuseInThePodsAreRefusedOnTheirFields() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL + """
                  scheduling:
                    nodeSelector:
                      kubernetes.io/hostname: node-1
                      nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB
                      pool: ""
                      gpu type: a100
                      example.com/pool: "spot pool"
                    tolerations:
                      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                      - {key: dedicated, value: ml_team-1, effect: NoSchedule}
                      - {key: "-spot", operator: Equal, value: "yes please", effect: NoSchedule}
                    affinity:
                      nodeAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution:
                          nodeSelectorTerms:
                            - matchExpressions:
                                - {key: topology.kubernetes.io/zone, operator: In, values: [eu-west-1a]}
                                - {key: Example.com/pool, operator: In, values: [gpu]}
                      podAntiAffinity:
                        preferredDuringSchedulingIgnoredDuringExecution:
                          - weight: 10
                            podAffinityTerm:
                              topologyKey: "zone/"
                              labelSelector:
                                matchLabels: {app: vllm, "a/b/c": v}
                                matchExpressions:
                                  - {key: tier, operator: In, values: [gpu, "a b"]}
                """);
        String tooLong = "a".repeat(64);
        Files.writeString(dir.resolve("job.yaml"), JOB + """
                  workers:
                    scheduling:
                      nodeSelector:
                        pool: %s
                      affinity:
                        podAffinity:
                          requiredDuringSchedulingIgnoredDuringExecution:
                            - topologyKey: kubernetes.io/hostname
                """.formatted(tooLong));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> found = result.problems().stream()
                .map(p -> p.file().getFileName() + ":" + p.field() + ": " + p.message())
                .sorted()
                .toList();
        String name = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an"
                + " alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is"
                + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        String value = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or"
                + " '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or"
                + " '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        String prefix = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
                + " characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
                + " 'example.com', regex used for validation is"
                + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        String term = "spec.scheduling.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
                + ".podAffinityTerm.";
        assertEquals(
                List.of(
                        "job.yaml:spec.workers.scheduling.nodeSelector.pool: Invalid value: \"" + tooLong
                                + "\": must be no more than 63 characters",
                        "model.yaml:spec.scheduling.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[1].key: Invalid value:"
                                + " \"Example.com/pool\": " + prefix,
                        "model.yaml:" + term + "labelSelector.matchExpressions[0].values[1]: Invalid value:"
                                + " \"a b\": " + value,
                        "model.yaml:" + term + "labelSelector.matchLabels.a/b/c: Invalid value: \"a/b/c\": a"
                                + " qualified name " + name + " with an optional DNS subdomain prefix and '/' (e.g."
                                + " 'example.com/MyName')",
                        "model.yaml:" + term + "topologyKey: Invalid value: \"zone/\": name part must be"
                                + " non-empty",
                        "model.yaml:" + term + "topologyKey: Invalid value: \"zone/\": name part " + name,
                        "model.yaml:spec.scheduling.nodeSelector.example.com/pool: Invalid value: \"spot pool\": "
                                + value,
                        "model.yaml:spec.scheduling.nodeSelector.gpu type: Invalid value: \"gpu type\": name part "
                                + name,
                        "model.yaml:spec.scheduling.tolerations[2].key: Invalid value: \"-spot\": name part " + name,
                        "model.yaml:spec.scheduling.tolerations[2].value: Invalid value: \"yes please\": " + value),
                found,
                result.describe());
        var key = result.problems().stream()
                .filter(p -> p.field().equals("spec.scheduling.nodeSelector.gpu type"))
                .findFirst()
                .orElseThrow();
        assertEquals(13, key.line(), "the line of the key");
    }

    /**
     * Worker resources are a Kubernetes ResourceRequirements the CRD stores with any string as a
     * quantity; the API server cannot read a worker Job with {@code 8GB} in it. lint refuses it on its field.
     */
    @Test
    void workerResourcesThatAreNoKubernetesQuantityAreRefusedOnTheirFields() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("job.yaml"), JOB + """
                  workers:
                    resources:
                      requests: {cpu: 500m, memory: 8GB}
                      limits: {cpu: two, memory: 8Gi, nvidia.com/gpu: 1, ephemeral-storage: 1.5G}
                """);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> found = result.problems().stream()
                .map(p -> p.field() + ": " + p.message() + " @" + p.line())
                .sorted()
                .toList();
        String why =
                "not a Kubernetes quantity (e.g. 8Gi, 8G, 500m, 2; the suffixes are Ki, Mi, Gi, Ti, Pi, Ei and n, u, m, k, M, G, T, P, E)";
        assertEquals(
                List.of(
                        "spec.workers.resources.limits.cpu: Invalid value: \"two\": " + why + " @20",
                        "spec.workers.resources.requests.memory: Invalid value: \"8GB\": " + why + " @19"),
                found,
                result.describe());
    }

    /**
     * Env names, pull secrets, requests above limits and affinity shapes are copied into the pods as
     * written; the CRDs store them, and the API server then refuses the Deployment or Job made from
     * them (422). lint (and local, and the operator before it makes anything) refuses them on their field.
     */
    @Test
    void podFieldsTheApiServerWouldRefuseAreRefusedOnTheirFields() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL + """
                  imagePullSecrets:
                    - {}
                    - {name: Bad_Name}
                    - {name: registry.example-1}
                  scheduling:
                    affinity:
                      nodeAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution: {}
                        preferredDuringSchedulingIgnoredDuringExecution:
                          - weight: 0
                            preference:
                              matchExpressions:
                                - {key: pool, operator: In}
                                - {key: pool, operator: Exists, values: [gpu]}
                                - {key: size, operator: Gt, values: ["1", "2"]}
                                - {key: pool, operator: in, values: [gpu]}
                      podAntiAffinity:
                        requiredDuringSchedulingIgnoredDuringExecution:
                          - labelSelector: {matchLabels: {app: vllm}}
                  engine:
                    env:
                      - {name: 1BAD, value: "1"}
                      - {name: "A=B", value: "1"}
                      - {name: my.env-name_1, value: "1"}
                """);
        Files.writeString(dir.resolve("job.yaml"), JOB + """
                  workers:
                    imagePullSecrets: [{name: Bad_Name}, {name: regcred}]
                    resources:
                      requests: {cpu: "2", memory: 8Gi, ephemeral-storage: 1G, nvidia.com/gpu: 1, example.com/fpga: 1}
                      limits: {cpu: 1500m, memory: 8Gi, ephemeral-storage: 1Gi, nvidia.com/gpu: 2, gpu: 1}
                    scheduling:
                      affinity:
                        nodeAffinity:
                          requiredDuringSchedulingIgnoredDuringExecution:
                            nodeSelectorTerms: []
                """);
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        List<String> found = result.problems().stream()
                .map(p -> p.file().getFileName() + ":" + p.field() + ": " + p.message())
                .sorted()
                .toList();
        String envName = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-',"
                + " or '.', and must not start with a digit (e.g. 'my.env-name', or 'MY_ENV.NAME', or 'MyEnvName1',"
                + " regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
        String subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
                + " '.', and must start and end with an alphanumeric character (e.g. 'example.com'); it names a"
                + " Secret, so no pod could pull with it";
        String node = "spec.scheduling.affinity.nodeAffinity.";
        String preferred = node + "preferredDuringSchedulingIgnoredDuringExecution[0]";
        assertEquals(
                List.of(
                        "job.yaml:spec.workers.imagePullSecrets[0].name: Invalid value: \"Bad_Name\": " + subdomain,
                        "job.yaml:spec.workers.resources.limits.example.com/fpga: Required value: Limit must be set"
                                + " for non overcommitable resources (request 1 at"
                                + " spec.workers.resources.requests.example.com/fpga)",
                        "job.yaml:spec.workers.resources.limits.gpu: Invalid value: \"gpu\": must be a standard"
                                + " resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or an"
                                + " extended resource with a domain (e.g. nvidia.com/gpu)",
                        "job.yaml:spec.workers.resources.requests.cpu: Invalid value: \"2\": must be less than or"
                                + " equal to cpu limit of 1500m",
                        "job.yaml:spec.workers.resources.requests.nvidia.com/gpu: Invalid value: \"1\": must be"
                                + " equal to nvidia.com/gpu limit of 2",
                        "job.yaml:spec.workers.scheduling.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms:"
                                + " Required value: must have at least one node selector term",
                        "model.yaml:spec.engine.env[0].name: Invalid value: \"1BAD\": " + envName,
                        "model.yaml:spec.engine.env[1].name: Invalid value: \"A=B\": " + envName,
                        "model.yaml:spec.imagePullSecrets[0].name: Required value: the name of a Secret of the"
                                + " namespace",
                        "model.yaml:spec.imagePullSecrets[1].name: Invalid value: \"Bad_Name\": " + subdomain,
                        "model.yaml:" + preferred + ".preference.matchExpressions[0].values: Required value: must"
                                + " be specified when `operator` is 'In' or 'NotIn'",
                        "model.yaml:" + preferred + ".preference.matchExpressions[1].values: Forbidden: may not be"
                                + " specified when `operator` is 'Exists' or 'DoesNotExist'",
                        "model.yaml:" + preferred + ".preference.matchExpressions[2].values: Required value: must"
                                + " be specified single value when `operator` is 'Lt' or 'Gt'",
                        "model.yaml:" + preferred + ".preference.matchExpressions[3].operator: Unsupported value:"
                                + " \"in\": supported values: \"DoesNotExist\", \"Exists\", \"Gt\", \"In\","
                                + " \"Lt\", \"NotIn\"",
                        "model.yaml:" + preferred + ".weight: Invalid value: 0: must be in the range 1-100",
                        "model.yaml:" + node + "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms:"
                                + " Required value: must have at least one node selector term",
                        "model.yaml:spec.scheduling.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:"
                                + " Required value: can not be empty"),
                found,
                result.describe());
        var cpu = result.problems().stream()
                .filter(p -> p.field().equals("spec.workers.resources.requests.cpu"))
                .findFirst()
                .orElseThrow();
        assertEquals(20, cpu.line(), "the line of the request");
    }

    /**
     * A recipe folder holds the simulator's rules beside its manifests (local --simulate reads them from
     * there): lint reads the folder without a word about them, and still names a file that is neither.
     */
    @Test
    void theSimulatorRulesBesideTheManifestsAreNoOtherDocument() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("job.yaml"), JOB);
        Files.writeString(
                dir.resolve(ManifestLinter.SIM_RULES_FILE),
                "# scripted replies\nrules:\n  - name: judge\n    match: 'Compare'\n    response: 'Score: 5'\n");
        Files.writeString(dir.resolve("notes.yaml"), "rules:\n  - name: judge\n");
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(List.of(), result.problems(), result.describe());
        assertEquals(
                List.of(dir.resolve("notes.yaml") + ":1: a document with no kind is not a Palimpsest manifest"
                        + " (RewriteJob or RewriterModel)"),
                result.others().stream().map(Object::toString).toList());
    }

    @Test
    void dotDotIsRefusedByTheCelRuleOnceThePatternPasses() throws Exception {
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL + "---\n" + JOB.replace("uri: file://out/", "uri: file:///data/out/../../root/"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        var p = result.problems().get(0);
        assertEquals("spec.output.uri", p.field());
        assertEquals("must not contain '..' path segments", p.message());
        assertEquals(9 + 1 + 9, p.line(), "line within the second document of all.yaml");
    }

    @Test
    void anIdFieldThatIsTheTextFieldIsRefusedByTheCelRule() throws Exception {
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL + "---\n" + JOB.replace("uri: file://data/", "uri: file://data/\n    idField: text"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        var p = result.problems().get(0);
        assertEquals("spec.input", p.field());
        assertTrue(p.message().startsWith("idField and textField must name different fields"), p.message());

        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL + "---\n" + JOB.replace("uri: file://data/", "uri: file://data/\n    textField: id"));
        assertEquals(1, new ManifestLinter().lint(dir).problems().size(), "the defaults count: textField id is the id");
    }

    @Test
    void outputInsideInputIsFoundOnNormalisedPaths() throws Exception {
        Files.writeString(
                dir.resolve("all.yaml"),
                MODEL + "---\n"
                        + JOB.replace("uri: file://data/", "uri: s3://corpus/web")
                                .replace("uri: file://out/", "uri: s3://corpus//./web/out/"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        assertEquals("spec.output.uri", result.problems().get(0).field());
        assertTrue(result.problems().get(0).message().startsWith("is inside spec.input.uri"));
    }

    @Test
    void missingRequiredFieldsAndAMissingModelAreAllReported() throws Exception {
        Files.writeString(dir.resolve("job.yaml"), JOB.replace("  output:\n    uri: file://out/\n", ""));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(2, result.problems().size(), result.describe());
        assertEquals("spec.output", result.problems().get(0).field());
        assertEquals("Required value", result.problems().get(0).message());
        assertEquals("spec.modelRef.name", result.problems().get(1).field());
        assertTrue(result.problems()
                .get(1)
                .message()
                .contains("(they hold no RewriterModel: give the model's manifest too"));
    }

    @Test
    void aRecipeProblemIsPlacedAtItsTemplateLineWhenTheTemplateIsABlock() throws Exception {
        String job = JOB.replace(
                "    user: \"Rewrite: {{ text }}\"\n",
                "    user: |\n          Rewrite:\n          {{ txt }}\n      - name: qa\n        user: \"{{ txt }}\"\n");
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(dir.resolve("job.yaml"), job);
        RecipeCompiler compiler = (rewriteJob, model) -> {
            assertEquals("qwen-small", model.getMetadata().getName());
            return List.of(
                    new RecipeCompiler.Problem("spec.recipe.prompts[0].user", 2, "unknown variable 'txt'"),
                    new RecipeCompiler.Problem("spec.recipe.prompts[1].user", 1, "unknown variable 'txt'"));
        };
        ManifestLinter.Result result = new ManifestLinter(compiler).lint(dir);
        assertLine(result, "spec.recipe.prompts[0].user", 17, "unknown variable 'txt'");
        assertLine(result, "spec.recipe.prompts[1].user", 19, "unknown variable 'txt'");
        assertEquals(List.of(), new ManifestLinter().lint(dir).problems(), "without a compiler the recipe is not read");
    }

    @Test
    void brokenYamlNamesItsLine() throws Exception {
        Files.writeString(dir.resolve("job.yaml"), JOB.replace("    name: qwen-small", "    name: [qwen-small"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        assertTrue(result.problems().get(0).message().startsWith("not valid YAML"), result.describe());
        assertTrue(result.problems().get(0).line() >= 7, result.describe());
    }

    @Test
    void aKeyWrittenTwiceInOneMappingIsRefusedAtItsSecondLine() throws Exception {
        // kubectl refuses such a file ("key already set in map"); taking one of the values in silence
        // would run locally a job the cluster never accepts, with a field the user may think is the other
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(
                dir.resolve("job.yaml"),
                JOB.replace("    uri: file://out/\n", "    uri: file://out/\n    uri: file://elsewhere/\n"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertEquals(1, result.problems().size(), result.describe());
        ManifestLinter.Problem p = result.problems().get(0);
        assertEquals(12, p.line(), p.toString());
        assertEquals("spec.output.uri", p.field(), p.toString());
        assertTrue(p.message().contains("given twice in one mapping (first at line 11)"), p.toString());
        assertTrue(result.jobs().isEmpty(), "a job with a key given twice is not read");
    }

    @Test
    void aManifestWithoutApiVersionOrAJobWithoutSpecIsRefusedAsTheClusterRefusesIt() throws Exception {
        // kubectl: "apiVersion not set"; the operator: a RewriteJob with no spec fails InvalidSpec "spec: is required"
        Files.writeString(dir.resolve("model.yaml"), MODEL.replace("apiVersion: palimpsest.io/v1alpha1\n", ""));
        Files.writeString(
                dir.resolve("job.yaml"),
                "apiVersion: palimpsest.io/v1alpha1\nkind: RewriteJob\nmetadata:\n  name: trial\nspec:\n");
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        assertLine(result, "apiVersion", 1, "Required value: must be palimpsest.io/v1alpha1 for kind RewriterModel");
        assertLine(result, "spec", 5, "is required");
        assertEquals(2, result.problems().size(), result.describe());
    }

    @Test
    void aUriTheWorkerCannotReadIsRefusedInWordsNotARegularExpression() throws Exception {
        Files.writeString(dir.resolve("model.yaml"), MODEL);
        Files.writeString(
                dir.resolve("job.yaml"),
                JOB.replace("uri: file://data/", "uri: s3:///corpus/")
                        .replace("uri: file://out/", "uri: https://x/o/"));
        ManifestLinter.Result result = new ManifestLinter().lint(dir);
        String words = "must be s3://bucket/prefix/ (a bucket name of 3 to 63 lower-case letters, digits, '.' and"
                + " '-'), pvc://claim/path/ (a claim name in lower case) or file:///path/, without spaces, '?' or '#'";
        assertLine(result, "spec.input.uri", 9, words);
        assertLine(result, "spec.output.uri", 11, words);
        assertEquals(2, result.problems().size(), result.describe());
    }

    @Test
    void filesGivenTogetherAreOneSetAndOtherKindsAreNamed() throws Exception {
        Path job = Files.writeString(dir.resolve("job.yaml"), JOB);
        Path model = Files.writeString(
                dir.resolve("model.yaml"), MODEL + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: key\n");
        ManifestLinter.Result result = new ManifestLinter().lint(List.of(job, model, job));
        assertEquals(List.of(), result.problems());
        assertEquals(1, result.jobs().size(), "a file given twice is read once");
        assertEquals(1, result.models().size());
        assertEquals(
                List.of(model + ":10: Secret \"key\" is not a Palimpsest manifest (RewriteJob or RewriterModel)"),
                result.others().stream().map(Object::toString).toList());
        assertFalse(result.holdsNoManifest());
    }

    @Test
    void twoManifestsOfOneKindAndNameAreRefusedAtTheSecond() throws Exception {
        Path first = Files.writeString(dir.resolve("a-model.yaml"), MODEL);
        Path twice = Files.writeString(dir.resolve("b-model.yaml"), MODEL + "---\n" + MODEL);
        Path job = Files.writeString(dir.resolve("job.yaml"), JOB);
        ManifestLinter.Result result = new ManifestLinter().lint(List.of(first, twice, job));
        List<String> same = result.problems().stream()
                .filter(p -> p.message().startsWith("Duplicate value"))
                .map(p -> p.file().getFileName() + ":" + p.line() + " " + p.message())
                .toList();
        int secondName = MODEL.lines().toList().size() + 1 + 4; // after "---", the name's line
        assertEquals(2, same.size(), result.describe());
        assertTrue(same.get(0).startsWith("b-model.yaml:4 "), same.get(0));
        assertTrue(same.get(0).contains(first + ":4"), same.get(0));
        assertTrue(same.get(1).startsWith("b-model.yaml:" + secondName + " "), same.get(1));

        // the same name in another namespace is another object
        Path elsewhere = Files.writeString(
                dir.resolve("c-model.yaml"), MODEL.replace("name: qwen-small", "name: qwen-small\n  namespace: other"));
        assertEquals(
                List.of(),
                new ManifestLinter().lint(List.of(first, elsewhere, job)).problems());
    }

    /**
     * The checks of the set as a whole (modelRef, names given twice) run after every file is read; the
     * problems are still listed by file in the order given, then line, every one of them.
     */
    @Test
    void problemsAreListedByFileAsGivenThenLine() throws Exception {
        String broken = JOB.replace("name: qwen-small", "name: absent").replace("temperature:", "temprature:");
        Path second = Files.writeString(dir.resolve("a-second.yaml"), broken);
        Path first = Files.writeString(dir.resolve("b-first.yaml"), broken);
        ManifestLinter.Result result = new ManifestLinter().lint(List.of(first, second));
        List<String> where = result.problems().stream()
                .map(p -> p.file().getFileName() + ":" + p.line() + " " + p.field())
                .toList();
        assertEquals(
                List.of(
                        "b-first.yaml:7 spec.modelRef.name",
                        "b-first.yaml:16 spec.recipe.prompts[0].sampling.temprature",
                        "a-second.yaml:4 metadata.name",
                        "a-second.yaml:7 spec.modelRef.name",
                        "a-second.yaml:16 spec.recipe.prompts[0].sampling.temprature"),
                where,
                result.describe());
    }

    private static void assertLine(ManifestLinter.Result result, String field, int line, String message) {
        var p = result.problems().stream()
                .filter(x -> x.field().equals(field))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + field + ": " + result.describe()));
        assertEquals(line, p.line(), p.toString());
        assertTrue(p.message().contains(message), p.toString());
    }
}
