package io.palimpsest.operator.job.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec fields a Job was made from that Kubernetes does not let change afterwards, recorded on the
 * Job as an annotation ({@value #ANNOTATION}: field -> fingerprint of its value), so an edit made
 * later can be named instead of silently missing the Job. A worker Job's pod template is immutable
 * (image, resources, scheduling, service account, pull secrets), as is its
 * {@code backoffLimitPerIndex} ({@code retry.attemptsPerShard}); Kueue reads the queue label at
 * admission; the planner cut the shards once ({@code sharding}); the preview ran once ({@code preview}). A Job
 * made before the annotation
 * existed names nothing.
 */
public final class MadeFrom {
    public static final String ANNOTATION = "palimpsest.io/made-from";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .build();

    private MadeFrom() {}

    /** What the worker Job's pods and its failure budget are made from. */
    public static Map<String, String> workerJob(RewriteJob job) {
        RewriteJobSpec spec = job.getSpec();
        RewriteJobSpec.Workers w = spec.getWorkers();
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("spec.workers.image", w == null ? null : w.getImage());
        values.put("spec.workers.resources", w == null ? null : w.getResources());
        values.put("spec.workers.scheduling", w == null ? null : w.getScheduling());
        values.put("spec.workers.serviceAccountName", w == null ? null : w.getServiceAccountName());
        values.put("spec.workers.imagePullSecrets", w == null ? null : w.getImagePullSecrets());
        values.put("spec.queueName", spec.getQueueName());
        values.put("spec.retry.attemptsPerShard", WorkerJob.attemptsPerShard(job)); // the default counts as 3
        return fingerprints(values);
    }

    /** What the planner cut the shards by. */
    public static Map<String, String> plannerJob(RewriteJob job) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("spec.sharding", job.getSpec().getSharding());
        return fingerprints(values);
    }

    /** What the preview drew and priced its estimate with: it runs once per RewriteJob. */
    public static Map<String, String> previewJob(RewriteJob job) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("spec.preview", job.getSpec().getPreview());
        return fingerprints(values);
    }

    /** The annotation's value. */
    public static String annotation(Map<String, String> fingerprints) {
        try {
            return JSON.writeValueAsString(fingerprints);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fields of {@code now} whose value differs from what {@code made} was made from, in the order
     * of {@code now}; none when the Job records nothing (made by an older operator) or is absent.
     */
    public static List<String> changed(Job made, Map<String, String> now) {
        Map<String, String> recorded = recorded(made);
        List<String> out = new ArrayList<>();
        now.forEach((field, fingerprint) -> {
            String then = recorded.get(field);
            if (then != null && !then.equals(fingerprint)) {
                out.add(field);
            }
        });
        return out;
    }

    static Map<String, String> recorded(Job made) {
        String text = made == null || made.getMetadata().getAnnotations() == null
                ? null
                : made.getMetadata().getAnnotations().get(ANNOTATION);
        if (text == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            return Map.of(); // edited by hand into something else: nothing to compare with
        }
    }

    private static Map<String, String> fingerprints(Map<String, Object> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((field, value) -> out.put(field, fingerprint(value)));
        return out;
    }

    private static String fingerprint(Object value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(value));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
