package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.WeightSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fills the cache PVC once per weight source: `hf download` for Hugging Face sources (the vLLM
 * image ships the hub CLI, so no extra image) into the hub's revision-keyed cache, `aws s3 sync`
 * for S3 into the URI's own directory. Re-running is cheap: both skip files already present.
 * Kept after it finishes (no TTL), and the Jobs of earlier sources too: a Job's Complete
 * condition is how the reconciler knows its source's files are there, so a model switched back
 * to an earlier source serves it again without a download. Made once and never updated
 * ({@link #match}).
 */
public class WeightDownloadJob extends ModelDependent<Job> {

    public WeightDownloadJob(RenderSettings settings) {
        super(Job.class, ModelNames.COMPONENT_DOWNLOAD, settings);
    }

    /**
     * An existing download Job is never written again. The API server refuses any change of a Job's
     * pod template, and the template carries more than the weight source its name is made from (the
     * vLLM or S3 image, runAsUser, service account, pull secrets, scheduling): an update after such
     * a change would fail every reconcile of the model before its Deployment and status are written.
     * The Job runs once; a changed setting applies to the next download (a new source, or the Job
     * deleted to run it again).
     */
    @Override
    public Matcher.Result<Job> match(Job actual, RewriterModel model, Context<RewriterModel> context) {
        return Matcher.Result.nonComputed(true);
    }

    @Override
    protected Job render(RewriterModel model, Context<RewriterModel> context) {
        return render(
                model,
                settings,
                WeightCachePvc.accessModes(model, settings, context.getSecondaryResource(PersistentVolumeClaim.class)));
    }

    /** As rendered before the cache claim exists: its access modes from the spec, else the operator's. */
    public static Job render(RewriterModel model, RenderSettings settings) {
        return render(model, settings, WeightCachePvc.accessModes(model, settings, Optional.empty()));
    }

    /**
     * @param cacheAccessModes the access modes of the cache claim; without ReadWriteMany the pod prefers
     *     the node of the model's replicas ({@link CacheAffinity}).
     */
    public static Job render(RewriterModel model, RenderSettings settings, List<String> cacheAccessModes) {
        WeightSource weights = WeightSource.of(model);
        if (!weights.usesCache()) {
            throw new IllegalArgumentException("no download for a weight source without cache: " + weights);
        }
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("HOME", RestrictedSecurity.HOME, null));
        ContainerBuilder container = new ContainerBuilder().withName("download");
        if (weights instanceof WeightSource.HuggingFace hf) {
            env.add(new EnvVar("HF_HOME", WeightSource.HF_HOME, null));
            if (hf.spec() != null && hf.spec().getTokenSecretRef() != null) {
                env.add(new EnvVarBuilder()
                        .withName("HF_TOKEN")
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(hf.spec().getTokenSecretRef().getName())
                        .withKey(hf.spec().getTokenSecretRef().getKey())
                        .endSecretKeyRef()
                        .endValueFrom()
                        .build());
            }
            List<String> args = new ArrayList<>(List.of("download", hf.repo()));
            if (hf.revision() != null) {
                args.add("--revision");
                args.add(hf.revision());
            }
            container
                    .withImage(Optional.ofNullable(model.getSpec().getEngine())
                            .map(RewriterModelSpec.Engine::getImage)
                            .orElse(settings.defaultVllmImage()))
                    .withCommand("hf")
                    .withArgs(args);
        } else if (weights instanceof WeightSource.S3 s3) {
            container
                    .withImage(settings.s3DownloadImage())
                    .withCommand("aws")
                    // The directory is this URI's alone (WeightSource.S3): --delete makes a run again (the
                    // Job deleted after the objects changed) leave exactly the prefix's files, not old ones too.
                    .withArgs("s3", "sync", "--only-show-errors", "--delete", s3.uri(), s3.localDir());
            if (s3.spec().getCredentialsSecretRef() != null) {
                container.withEnvFrom(new EnvFromSourceBuilder()
                        .withNewSecretRef()
                        .withName(s3.spec().getCredentialsSecretRef().getName())
                        .endSecretRef()
                        .build());
            }
        }
        List<VolumeMount> mounts = new ArrayList<>(RestrictedSecurity.scratchMounts());
        mounts.add(new VolumeMountBuilder()
                .withName("weights")
                .withMountPath(WeightSource.CACHE_MOUNT)
                .build());
        List<Volume> volumes = new ArrayList<>(RestrictedSecurity.scratchVolumes());
        volumes.add(new VolumeBuilder()
                .withName("weights")
                .withPersistentVolumeClaim(new PersistentVolumeClaimVolumeSource(ModelNames.cachePvc(model), false))
                .build());
        container
                .withEnv(env)
                .withVolumeMounts(mounts)
                .withSecurityContext(RestrictedSecurity.container(settings.runAsUser()))
                .withNewResources()
                .addToRequests("cpu", new Quantity("1"))
                .addToRequests("memory", new Quantity("1Gi"))
                .addToLimits("memory", new Quantity("4Gi"))
                .endResources();

        Scheduling scheduling =
                Optional.ofNullable(model.getSpec().getScheduling()).orElseGet(Scheduling::new);
        return new JobBuilder()
                .withNewMetadata()
                .withName(ModelNames.downloadJob(model, weights.identity()))
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_DOWNLOAD))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(4)
                // A stuck download must surface as a failure, not hold the model in Loading forever.
                .withActiveDeadlineSeconds(6 * 3600L)
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_DOWNLOAD))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withContainers(container.build())
                .withVolumes(volumes)
                .withSecurityContext(RestrictedSecurity.pod(settings.runAsUser()))
                .withAutomountServiceAccountToken(false)
                .withServiceAccountName(PodIdentity.serviceAccount(
                        model.getSpec().getServiceAccountName(), settings.serviceAccountName()))
                .withImagePullSecrets(
                        PodIdentity.pullSecrets(model.getSpec().getImagePullSecrets(), settings.imagePullSecrets()))
                // Same node pool as the replicas: with a ReadWriteOnce cache the volume
                // then binds where the GPUs are, and the pod prefers the replicas' node.
                .withNodeSelector(scheduling.getNodeSelector())
                .withTolerations(scheduling.getTolerations())
                .withAffinity(
                        CacheAffinity.sharedAcrossNodes(cacheAccessModes)
                                ? scheduling.getAffinity()
                                : CacheAffinity.nearReplicas(scheduling.getAffinity(), model))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }
}
