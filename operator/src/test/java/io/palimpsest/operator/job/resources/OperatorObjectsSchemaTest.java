package io.palimpsest.operator.job.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.PreviewJob;
import io.palimpsest.operator.job.TestSettings;
import io.palimpsest.operator.model.resources.KedaScaledObject;
import io.palimpsest.operator.model.resources.ModelApiKey;
import io.palimpsest.operator.model.resources.ModelDisruptionBudget;
import io.palimpsest.operator.model.resources.RenderSettings;
import io.palimpsest.operator.model.resources.VllmDeployment;
import io.palimpsest.operator.model.resources.VllmReplicaService;
import io.palimpsest.operator.model.resources.VllmService;
import io.palimpsest.operator.model.resources.WeightCachePvc;
import io.palimpsest.operator.model.resources.WeightDownloadJob;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every object the operator creates, rendered from every example (and from variants of each model
 * that reach the optional objects: a KEDA ScaledObject, an S3 download Job, a PodDisruptionBudget),
 * checked against the Kubernetes 1.29 and 1.33 API models and KEDA's ScaledObject schema. The
 * rendered objects are written to target/operator-objects/, where helm/test/run.sh checks them
 * again with the JSON schemas the chart's objects are checked with.
 *
 * <p>The Kubernetes models are the API's OpenAPI definitions as generated into the official Java
 * client (client-java 20 for 1.29, 24 for 1.33; copied to target/kubernetes-openapi by the
 * build): they refuse fields the version does not define, missing required fields and wrong JSON
 * types, which an API server with strict field validation (kubectl's default) refuses too.
 */
class OperatorObjectsSchemaTest {
    static final Path EXAMPLES = Path.of("../examples");
    static final Path OUT = Path.of("target/operator-objects");
    static final String NAMESPACE = "palimpsest-e2e";
    static final String WORKER_IMAGE = "ghcr.io/palimpsest/worker:0.1.0";

    static KubernetesModels k129;
    static KubernetesModels k133;
    static JsonSchema scaledObjectSchema;
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void loadModels() throws IOException {
        Path dir = Path.of("target/kubernetes-openapi");
        k129 = new KubernetesModels("1.29", dir.resolve("kubernetes-1.29.jar"), dir.resolve("gson.jar"));
        k133 = new KubernetesModels("1.33", dir.resolve("kubernetes-1.33.jar"), dir.resolve("gson.jar"));
        try (InputStream in =
                OperatorObjectsSchemaTest.class.getResourceAsStream("/schemas/keda-scaledobject-v1alpha1.json")) {
            scaledObjectSchema =
                    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
    }

    @AfterAll
    static void close() throws IOException {
        k129.close();
        k133.close();
    }

    @Test
    void everyRenderedObjectIsValidOnKubernetes129And133() throws IOException {
        Files.createDirectories(OUT);
        List<String> problems = new ArrayList<>();
        Map<String, Integer> kinds = new LinkedHashMap<>();
        List<Path> examples;
        try (Stream<Path> list = Files.list(EXAMPLES)) {
            examples = list.filter(d -> Files.isRegularFile(d.resolve("job.yaml")))
                    .sorted()
                    .toList();
        }
        assertFalse(examples.isEmpty(), "no examples under " + EXAMPLES.toAbsolutePath());
        for (Path example : examples) {
            List<HasMetadata> objects = render(example);
            StringBuilder yaml = new StringBuilder();
            for (HasMetadata object : objects) {
                String json = SERIALIZATION.asJson(object);
                String where = example.getFileName() + ": " + object.getKind() + "/"
                        + object.getMetadata().getName();
                if (object.getKind().equals(KedaScaledObject.KIND)) {
                    scaledObjectSchema.validate(JSON.readTree(json)).stream()
                            .map(ValidationMessage::getMessage)
                            .forEach(m -> problems.add(where + " (KEDA ScaledObject schema): " + m));
                } else {
                    k129.problem(object.getKind(), json)
                            .ifPresent(p -> problems.add(where + " (Kubernetes 1.29): " + p));
                    k133.problem(object.getKind(), json)
                            .ifPresent(p -> problems.add(where + " (Kubernetes 1.33): " + p));
                }
                kinds.merge(object.getKind(), 1, Integer::sum);
                yaml.append(SERIALIZATION.asYaml(object));
            }
            Files.writeString(OUT.resolve(example.getFileName() + ".yaml"), yaml.toString());
        }
        assertEquals(List.of(), problems);
        // Every kind the operator creates was rendered at least once.
        assertEquals(
                Set.of(
                        "Deployment",
                        "Service",
                        "PersistentVolumeClaim",
                        "Job",
                        "ConfigMap",
                        "ScaledObject",
                        "PodDisruptionBudget",
                        "Secret"),
                kinds.keySet());
        System.out.printf(
                "[figures] %d examples, rendered objects per kind %s, valid on Kubernetes 1.29 and 1.33 (target/operator-objects)%n",
                examples.size(), kinds);
    }

    /** The checks must be able to fail: an unknown field, a 1.30 field on 1.29, a missing required field. */
    @Test
    void theModelsRefuseWhatAnApiServerRefuses() {
        String unknown =
                "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"template\":"
                        + "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\",\"imagePullSecret\":\"typo\"}]}}}}";
        String managedBy =
                "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"managedBy\":"
                        + "\"kueue.x-k8s.io/multikueue\",\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\"}]}}}}";
        String noName =
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"ports\":[{\"name\":\"http\"}]}}";
        assertTrue(k133.problem("Job", unknown).orElse("").contains("imagePullSecret"));
        assertTrue(k129.problem("Job", managedBy).orElse("").contains("managedBy"));
        assertEquals(Optional.empty(), k133.problem("Job", managedBy));
        assertTrue(k133.problem("Service", noName).orElse("").contains("port"));

        Map<String, Object> scaledObject = Map.of(
                "apiVersion",
                "keda.sh/v1alpha1",
                "kind",
                "ScaledObject",
                "metadata",
                Map.of("name", "x"),
                "spec",
                Map.of(
                        "scaleTargetRef",
                        Map.of("name", "x"),
                        "minReplicas",
                        0,
                        "triggers",
                        List.of(Map.of("type", "cpu", "metadata", Map.of()))));
        assertFalse(
                scaledObjectSchema.validate(JSON.valueToTree(scaledObject)).isEmpty(),
                "minReplicas is not a KEDA field");
    }

    /** What the operator creates for one example's model and job, as its reconcilers would. */
    static List<HasMetadata> render(Path example) throws IOException {
        RewriteJob job = load(RewriteJob.class, example.resolve("job.yaml"));
        List<HasMetadata> objects = new ArrayList<>();
        // a recipe that calls no model (reStructured) comes with no RewriterModel: only the job's objects
        RewriterModel model = Files.isRegularFile(example.resolve("model.yaml"))
                ? load(RewriterModel.class, example.resolve("model.yaml"))
                : null;
        if (model != null) {

            // The model as written, with the chart's identity defaults set (so those fields are checked too).
            RenderSettings settings = new RenderSettings(
                    "vllm/vllm-openai:v0.11.0",
                    "amazon/aws-cli:2.31.0",
                    1000,
                    Duration.ofMinutes(10),
                    List.of("ReadWriteOnce"),
                    "http://prometheus-operated.monitoring.svc:9090",
                    Optional.of("standard"),
                    Optional.of("palimpsest-models"),
                    Optional.of(List.of("registry-credentials")),
                    true,
                    1);
            objects.addAll(modelObjects(model, settings));

            // Variant: weights from S3 into a ReadWriteMany cache, replicas kept (a budget), the model's own identity.
            RewriterModel s3 = load(RewriterModel.class, example.resolve("model.yaml"));
            if (s3.getSpec().getEndpoint() == null) {
                s3.getMetadata().setName(s3.getMetadata().getName() + "-s3");
                RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
                RewriterModelSpec.S3Source bucket = new RewriterModelSpec.S3Source();
                bucket.setUri("s3://models-bucket/" + s3.getSpec().getModel() + "/");
                source.setS3(bucket);
                RewriterModelSpec.Cache cache = new RewriterModelSpec.Cache();
                cache.setSize("40Gi");
                cache.setStorageClassName("shared-rwx");
                cache.setAccessModes(List.of(RewriterModelSpec.CacheAccessMode.ReadWriteMany));
                source.setCache(cache);
                s3.getSpec().setSource(source);
                s3.getSpec().setServiceAccountName("model-reader");
                s3.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("mirror-credentials")));
                if (s3.getSpec().getReplicas() == null) {
                    s3.getSpec().setReplicas(new RewriterModelSpec.Replicas());
                }
                s3.getSpec().getReplicas().setMin(1);
                s3.getSpec()
                        .getReplicas()
                        .setMax(Math.max(
                                1,
                                Optional.ofNullable(s3.getSpec().getReplicas().getMax())
                                        .orElse(1)));
                objects.addAll(modelObjects(s3, settings));

                // Variant: the same model scaled by KEDA.
                RewriterModel keda = load(RewriterModel.class, example.resolve("model.yaml"));
                keda.getMetadata().setName(keda.getMetadata().getName() + "-keda");
                if (keda.getSpec().getAutoscaling() == null) {
                    keda.getSpec().setAutoscaling(new RewriterModelSpec.Autoscaling());
                }
                keda.getSpec().getAutoscaling().setMode(RewriterModelSpec.AutoscalingMode.keda);
                objects.add(KedaScaledObject.render(keda, settings));
            }
        }

        // The job's objects, with the chart's worker identity defaults.
        JobSettings jobSettings =
                withIdentity(new TestSettings(), "palimpsest-workers", List.of("registry-credentials"));
        objects.add(
                owned(ResolvedJobConfigMap.desired(job, ResolvedJobConfigMap.resolve(job, model, jobSettings)), job));
        objects.add(owned(PlannerJob.desired(job, WORKER_IMAGE, jobSettings), job));
        objects.add(owned(
                WorkerJob.desired(
                        job,
                        8,
                        2,
                        false,
                        WORKER_IMAGE,
                        model == null
                                ? null
                                : model.getSpec().getEndpoint() == null
                                        ? ModelApiKey.ref(model)
                                        : model.getSpec().getEndpoint().getApiKeySecretRef(),
                        jobSettings),
                job));
        objects.add(owned(TallyJob.desired(job, WORKER_IMAGE, jobSettings), job));
        if (job.getSpec().getPreview() == null) {
            job.getSpec().setPreview(new RewriteJobSpec.Preview());
        }
        var resolvedModel =
                ResolvedJobConfigMap.resolve(job, model, jobSettings).getModel();
        objects.add(owned(
                PreviewJob.desired(
                        job,
                        WORKER_IMAGE,
                        resolvedModel == null ? null : resolvedModel.getEndpoint(),
                        model,
                        model == null
                                ? null
                                : model.getSpec().getEndpoint() == null
                                        ? ModelApiKey.ref(model)
                                        : model.getSpec().getEndpoint().getApiKeySecretRef(),
                        jobSettings),
                job));
        return objects;
    }

    static List<HasMetadata> modelObjects(RewriterModel model, RenderSettings settings) {
        List<HasMetadata> objects = new ArrayList<>();
        if (model.getSpec().getEndpoint() != null) {
            return objects; // an existing server: nothing is deployed
        }
        RewriterModelSpec.ModelSource source = model.getSpec().getSource();
        boolean cached = source == null || source.getPvc() == null;
        if (cached) {
            objects.add(owned(WeightCachePvc.render(model, settings), model));
            objects.add(owned(WeightDownloadJob.render(model, settings), model));
        }
        objects.add(owned(ModelApiKey.render(model), model));
        objects.add(owned(VllmDeployment.render(model, 1, settings), model));
        objects.add(owned(VllmService.render(model), model));
        objects.add(owned(VllmReplicaService.render(model), model));
        if (ModelDisruptionBudget.wanted(model, settings)) {
            objects.add(owned(ModelDisruptionBudget.render(model, settings), model));
        }
        return objects;
    }

    static <T extends HasMetadata> T load(Class<T> type, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            T object = SERIALIZATION.unmarshal(in, type);
            object.getMetadata().setNamespace(NAMESPACE);
            object.getMetadata()
                    .setUid(UUID.nameUUIDFromBytes(file.toString().getBytes()).toString());
            return object;
        }
    }

    static <T extends HasMetadata> T owned(T object, HasMetadata owner) {
        object.getMetadata().setOwnerReferences(List.of(OwnerReferences.controller(owner)));
        return object;
    }

    static JobSettings withIdentity(JobSettings base, String serviceAccount, List<String> pullSecrets) {
        return (JobSettings) Proxy.newProxyInstance(
                JobSettings.class.getClassLoader(),
                new Class<?>[] {JobSettings.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "serviceAccountName" -> Optional.of(serviceAccount);
                    case "imagePullSecrets" -> Optional.of(pullSecrets);
                    default -> {
                        try {
                            yield method.invoke(base, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
    }

    /** One Kubernetes version's API models (the official Java client's generated classes) in their own class loader. */
    static final class KubernetesModels implements AutoCloseable {
        private final String version;
        private final URLClassLoader loader;
        private final Method parse;

        KubernetesModels(String version, Path modelsJar, Path gsonJar) throws IOException {
            this.version = version;
            if (!Files.isRegularFile(modelsJar) || !Files.isRegularFile(gsonJar)) {
                throw new IllegalStateException(modelsJar + " or " + gsonJar + " is missing: the build copies them "
                        + "(maven-dependency-plugin, execution kubernetes-openapi-models) before the tests");
            }
            this.loader = new URLClassLoader(
                    new URL[] {modelsJar.toUri().toURL(), gsonJar.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            try {
                this.parse = loader.loadClass("com.google.gson.JsonParser").getMethod("parseString", String.class);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Why this version's API would refuse the object, or empty. All the operator's kinds are in group versions named V1. */
        Optional<String> problem(String kind, String json) {
            try {
                Class<?> type = loader.loadClass("io.kubernetes.client.openapi.models.V1" + kind);
                Method validate = validator(type);
                validate.invoke(null, parse.invoke(null, json));
                return Optional.empty();
            } catch (InvocationTargetException e) {
                return Optional.of(String.valueOf(e.getCause().getMessage()));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("no Kubernetes " + version + " model for kind " + kind, e);
            }
        }

        private Method validator(Class<?> type) throws ReflectiveOperationException {
            try {
                return type.getMethod("validateJsonObject", loader.loadClass("com.google.gson.JsonObject"));
            } catch (NoSuchMethodException e) {
                return type.getMethod("validateJsonElement", loader.loadClass("com.google.gson.JsonElement"));
            }
        }

        @Override
        public void close() throws IOException {
            loader.close();
        }
    }
}
