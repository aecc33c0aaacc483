package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The pod the Job controller makes from a Job's template for one index, with what batch/v1 adds:
 * the controller-uid and job-name labels, the completion index as annotation, label and
 * {@code JOB_COMPLETION_INDEX} env (downward API from the annotation), the per-index failure counts
 * when {@code backoffLimitPerIndex} is set, the hostname {@code <job>-<index>}, the tracking
 * finalizer and a controlling owner reference.
 */
final class JobPodFactory {

    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private JobPodFactory() {}

    static Pod create(Job job, JobSync.NewPod wanted, RandomGenerator random) {
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        ObjectMeta template =
                Optional.ofNullable(job.getSpec().getTemplate().getMetadata()).orElseGet(ObjectMeta::new);
        ObjectMeta meta = new ObjectMeta();
        String jobName = job.getMetadata().getName();
        meta.setName(jobName + "-" + (wanted.index() == null ? "" : wanted.index() + "-") + suffix(random));
        meta.setNamespace(job.getMetadata().getNamespace());
        Map<String, String> labels =
                new LinkedHashMap<>(Optional.ofNullable(template.getLabels()).orElse(Map.of()));
        labels.put(JobSync.CONTROLLER_UID, job.getMetadata().getUid());
        labels.put(JobSync.JOB_NAME, jobName);
        labels.put("controller-uid", job.getMetadata().getUid());
        labels.put("job-name", jobName);
        Map<String, String> annotations = new LinkedHashMap<>(
                Optional.ofNullable(template.getAnnotations()).orElse(Map.of()));
        if (wanted.index() != null) {
            labels.put(JobSync.COMPLETION_INDEX, String.valueOf(wanted.index()));
            annotations.put(JobSync.COMPLETION_INDEX, String.valueOf(wanted.index()));
            if (job.getSpec().getBackoffLimitPerIndex() != null) {
                annotations.put(JobSync.FAILURE_COUNT, String.valueOf(wanted.failureCount()));
                annotations.put(JobSync.IGNORED_FAILURE_COUNT, String.valueOf(wanted.ignoredFailureCount()));
            }
        }
        meta.setLabels(labels);
        meta.setAnnotations(annotations);
        meta.setFinalizers(new ArrayList<>(List.of(JobSync.TRACKING_FINALIZER)));
        meta.setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(jobName)
                .withUid(job.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build()));
        pod.setMetadata(meta);

        PodSpec spec = Serialization.clone(job.getSpec().getTemplate().getSpec());
        if (wanted.index() != null) {
            for (Container c : spec.getContainers()) {
                List<EnvVar> env =
                        new ArrayList<>(Optional.ofNullable(c.getEnv()).orElse(List.of()));
                env.add(new EnvVarBuilder()
                        .withName("JOB_COMPLETION_INDEX")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("metadata.annotations['" + JobSync.COMPLETION_INDEX + "']")
                        .endFieldRef()
                        .endValueFrom()
                        .build());
                c.setEnv(env);
            }
            if (spec.getSubdomain() != null) {
                spec.setHostname(jobName + "-" + wanted.index());
            }
        }
        pod.setSpec(spec);
        return pod;
    }

    private static String suffix(RandomGenerator random) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }
}
