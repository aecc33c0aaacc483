package io.palimpsest.operator.job.resources;

import io.fabric8.kubernetes.api.model.ConfigMapVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.observe.SharedOutput;
import io.palimpsest.operator.job.progress.WorkerProgressScraper;
import io.palimpsest.operator.model.resources.PodIdentity;
import io.palimpsest.operator.model.resources.RestrictedSecurity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod every planner, worker and tally Job runs: the {@code palimpsest} CLI with the resolved
 * job mounted at {@value #CONFIG_DIR}, storage credentials mounted where the worker looks for them
 * ({@value #SECRET_ROOT}/input and /output, one directory per credentialsSecretRef, so input and
 * output may use different accounts), PVCs of pvc:// URIs under {@value #PVC_ROOT}/claim, the
 * Pod Security "restricted" profile, no service-account token (workers never call the API), and
 * {@code FallbackToLogsOnError} so a crash still leaves its last log lines in the pod status.
 */
public final class WorkerPodTemplate {
    public static final String CONFIG_DIR = "/etc/palimpsest";
    public static final String JOB_FILE = CONFIG_DIR + "/" + ResolvedJob.CONFIG_KEY;
    public static final String SECRET_ROOT = "/var/run/secrets/palimpsest";
    public static final String PVC_ROOT = "/mnt/pvc";
    /** Env var the worker reads the model's API key from (ResolvedModel.apiKeyEnv). */
    public static final String MODEL_API_KEY_ENV = JobResolver.MODEL_API_KEY_ENV;

    private WorkerPodTemplate() {}

    /**
     * The API key Secret the pods of {@code job} read ({@value #MODEL_API_KEY_ENV}'s secretKeyRef in its template),
     * or null when they read none. A Job's pod template cannot change: this is the key its pods have whatever the
     * RewriterModel names now.
     */
    public static SecretKeyRef modelApiKey(Job job) {
        if (job == null
                || job.getSpec() == null
                || job.getSpec().getTemplate() == null
                || job.getSpec().getTemplate().getSpec() == null) {
            return null;
        }
        return job.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> RewriteJobNames.CONTAINER.equals(c.getName()) && c.getEnv() != null)
                .flatMap(c -> c.getEnv().stream())
                .filter(e -> MODEL_API_KEY_ENV.equals(e.getName())
                        && e.getValueFrom() != null
                        && e.getValueFrom().getSecretKeyRef() != null)
                .map(e -> new SecretKeyRef(
                        e.getValueFrom().getSecretKeyRef().getName(),
                        e.getValueFrom().getSecretKeyRef().getKey()))
                .findFirst()
                .orElse(null);
    }

    /**
     * @param modelApiKey the model's API key reference, or null
     * @param args        the CLI arguments, e.g. {@code run --job /etc/palimpsest/job.yaml}
     */
    public static PodTemplateSpec build(
            RewriteJob job,
            String role,
            String image,
            SecretKeyRef modelApiKey,
            Map<String, String> extraLabels,
            JobSettings settings,
            List<String> args) {
        RewriteJobSpec spec = job.getSpec();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName("job")
                .withConfigMap(new ConfigMapVolumeSourceBuilder()
                        .withName(RewriteJobNames.configMap(job))
                        .build())
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName("job")
                .withMountPath(CONFIG_DIR)
                .withReadOnly(true)
                .build());
        secretVolume(volumes, mounts, "input", spec.getInput().getCredentialsSecretRef());
        secretVolume(volumes, mounts, "output", spec.getOutput().getCredentialsSecretRef());
        pvcVolumes(volumes, mounts, spec);
        volumes.addAll(RestrictedSecurity.scratchVolumes());
        mounts.addAll(RestrictedSecurity.scratchMounts());

        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("HOME", RestrictedSecurity.HOME, null));
        env.add(new EnvVarBuilder()
                .withName("PALIMPSEST_ATTEMPT")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("metadata.annotations['" + RewriteJobNames.INDEX_FAILURE_COUNT + "']")
                .endFieldRef()
                .endValueFrom()
                .build());
        if (modelApiKey != null) {
            env.add(new EnvVarBuilder()
                    .withName(MODEL_API_KEY_ENV)
                    .withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(modelApiKey.getName())
                    .withKey(modelApiKey.getKey())
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build());
        }

        RewriteJobSpec.Workers workers = spec.getWorkers();
        Container container = new ContainerBuilder()
                .withName(RewriteJobNames.CONTAINER)
                .withImage(image)
                .withArgs(args)
                .withEnv(env)
                .withVolumeMounts(mounts)
                .withResources(workers == null ? null : workers.getResources())
                .withSecurityContext(RestrictedSecurity.container(settings.runAsUser()))
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .build();

        Map<String, String> labels = new LinkedHashMap<>(RewriteJobNames.labels(job, role));
        labels.putAll(extraLabels);
        // what the pod writes and for whom, read while it still runs after the job is gone (OrphanWriters)
        Map<String, String> annotations = new LinkedHashMap<>();
        String output = SharedOutput.key(job);
        if (output != null) {
            annotations.put(RewriteJobNames.OUTPUT_ANNOTATION, output);
        }
        if (job.getMetadata().getUid() != null) {
            annotations.put(
                    RewriteJobNames.JOB_UID_ANNOTATION, job.getMetadata().getUid());
        }
        Scheduling scheduling = workers == null ? null : workers.getScheduling();
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(annotations.isEmpty() ? null : annotations)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(RestrictedSecurity.pod(settings.runAsUser()))
                .withContainers(container)
                .withVolumes(volumes)
                .withNodeSelector(scheduling == null ? null : scheduling.getNodeSelector())
                .withTolerations(scheduling == null ? null : scheduling.getTolerations())
                .withAffinity(scheduling == null ? null : scheduling.getAffinity())
                .withPriorityClassName(scheduling == null ? null : scheduling.getPriorityClassName())
                .withServiceAccountName(PodIdentity.serviceAccount(
                        workers == null ? null : workers.getServiceAccountName(), settings.serviceAccountName()))
                .withImagePullSecrets(PodIdentity.pullSecrets(
                        workers == null ? null : workers.getImagePullSecrets(), settings.imagePullSecrets()))
                .endSpec()
                .build();
    }

    /**
     * Worker pods serve their metrics on {@value io.palimpsest.operator.job.progress.WorkerProgressScraper#DEFAULT_PORT}
     * (port name {@code metrics}): the operator reads them for live progress, Prometheus may too.
     */
    public static PodTemplateSpec withMetricsPort(PodTemplateSpec template) {
        int port = WorkerProgressScraper.DEFAULT_PORT;
        Container c = template.getSpec().getContainers().get(0);
        c.getEnv().add(new EnvVar("PALIMPSEST_METRICS_PORT", Integer.toString(port), null));
        c.setPorts(new ArrayList<>(List.of(new ContainerPortBuilder()
                .withName(WorkerProgressScraper.PORT_NAME)
                .withContainerPort(port)
                .withProtocol("TCP")
                .build())));
        return template;
    }

    private static void secretVolume(List<Volume> volumes, List<VolumeMount> mounts, String role, SecretRef ref) {
        if (ref == null) {
            return;
        }
        String name = role + "-credentials";
        volumes.add(new VolumeBuilder()
                .withName(name)
                .withNewSecret()
                .withSecretName(ref.getName())
                .withDefaultMode(0440)
                .endSecret()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName(name)
                .withMountPath(SECRET_ROOT + "/" + role)
                .withReadOnly(true)
                .build());
    }

    /** One volume per claim; read-only when only the input uses it. */
    private static void pvcVolumes(List<Volume> volumes, List<VolumeMount> mounts, RewriteJobSpec spec) {
        String inClaim = claimOf(spec.getInput().getUri());
        String outClaim = claimOf(spec.getOutput().getUri());
        Map<String, Boolean> claims = new LinkedHashMap<>();
        if (inClaim != null) {
            claims.put(inClaim, true);
        }
        if (outClaim != null) {
            claims.put(outClaim, false);
        }
        int i = 0;
        for (Map.Entry<String, Boolean> claim : claims.entrySet()) {
            String name = "pvc-" + i++;
            volumes.add(new VolumeBuilder()
                    .withName(name)
                    .withNewPersistentVolumeClaim()
                    .withClaimName(claim.getKey())
                    .withReadOnly(claim.getValue())
                    .endPersistentVolumeClaim()
                    .build());
            mounts.add(new VolumeMountBuilder()
                    .withName(name)
                    .withMountPath(PVC_ROOT + "/" + claim.getKey())
                    .withReadOnly(claim.getValue())
                    .build());
        }
    }

    static String claimOf(String uri) {
        if (uri == null || !uri.startsWith("pvc://")) {
            return null;
        }
        String rest = uri.substring("pvc://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }
}
