package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of everything a RewriterModel owns; the scraper and the KEDA trigger select by these labels. */
public final class ModelNames {
    public static final int PORT = JobResolver.MODEL_SERVICE_PORT;
    public static final String MODEL_LABEL = "palimpsest.io/model";
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "palimpsest-operator";
    public static final String COMPONENT_SERVER = "model-server";
    /** The headless Service over the model's replicas: a component of its own, so each Service dependent watches one. */
    public static final String COMPONENT_REPLICAS = "model-replicas";

    public static final String COMPONENT_CACHE = "model-cache";
    public static final String COMPONENT_DOWNLOAD = "model-download";
    /** The API key Secret of the model's vLLM. */
    public static final String COMPONENT_API_KEY = "model-api-key";
    /** Worker pods of RewriteJobs carry this component and the model label; KEDA wakes the model on them. */
    public static final String COMPONENT_WORKER = "worker";
    /** Every owned object carries this label; the informers watch only these. */
    public static final String OWNED_SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;

    private ModelNames() {}

    public static String deployment(RewriterModel m) {
        return m.getMetadata().getName() + "-vllm";
    }

    public static String service(RewriterModel m) {
        return JobResolver.serviceName(m);
    }

    public static String replicasService(RewriterModel m) {
        return JobResolver.replicasServiceName(m);
    }

    /**
     * The Secret holding the API key of the model's vLLM (at most 63 characters: a model the operator runs has at
     * most {@link io.palimpsest.api.lint.NameLimits#MAX_OPERATED_MODEL_NAME}, a Secret's name may have 253).
     */
    public static String apiKeySecret(RewriterModel m) {
        return m.getMetadata().getName() + "-vllm-api-key";
    }

    public static String cachePvc(RewriterModel m) {
        return m.getMetadata().getName() + "-weights";
    }

    /** The Job's pod template is immutable, so a new weight source gets a new Job (and a fresh download). */
    public static String downloadJob(RewriterModel m, String sourceIdentity) {
        return m.getMetadata().getName() + "-download-" + shortHash(sourceIdentity);
    }

    public static String scaledObject(RewriterModel m) {
        return m.getMetadata().getName() + "-vllm";
    }

    public static String servedModelName(RewriterModel m) {
        return JobResolver.servedModelName(m);
    }

    /** In-cluster base URL of the Service (without /v1). */
    public static String serviceUrl(RewriterModel m) {
        return JobResolver.serviceUrl(m);
    }

    public static Map<String, String> labels(RewriterModel m, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "vllm");
        labels.put("app.kubernetes.io/instance", m.getMetadata().getName());
        labels.put(COMPONENT_LABEL, component);
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(MODEL_LABEL, m.getMetadata().getName());
        return labels;
    }

    public static Map<String, String> serverSelector(RewriterModel m) {
        return Map.of(MODEL_LABEL, m.getMetadata().getName(), COMPONENT_LABEL, COMPONENT_SERVER);
    }

    static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
