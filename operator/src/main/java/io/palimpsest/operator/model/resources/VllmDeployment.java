package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.WeightSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The vLLM replicas: `vllm serve` with the spec's engine flags, GPUs, probes and a restricted pod. */
public class VllmDeployment extends ModelDependent<Deployment> {

    /**
     * How long a replica being removed may finish the requests it holds. On SIGTERM vLLM's HTTP server
     * stops taking requests and waits for those open (uvicorn's graceful shutdown; vLLM 0.18+ bounds
     * it with {@code --shutdown-timeout}, which 0.11, the default image, does not accept), and the
     * pod leaves the Service's endpoints at the deletion. The kubelet's default 30 s would cut long
     * generations at a scale-down: each would be sent again, from its first token, to another replica,
     * paid twice and ending later, at the campaign's end where the autoscaler removes replicas. Five
     * minutes holds a generation of thousands of tokens on a loaded replica; a replica with nothing
     * open exits at once.
     */
    static final long DRAIN_SECONDS = 300;
    /** Context key of the replica count the reconciler decided for this pass (an Integer). */
    public static final String REPLICAS_KEY = "palimpsest.io/replicas";
    /**
     * Context key of whether vLLM asks for the model's API key in this pass (a Boolean, true when absent):
     * false only while a Deployment made before keys existed serves jobs with worker Jobs made without the key
     * ({@link ModelApiKey}).
     */
    public static final String API_KEY_KEY = "palimpsest.io/api-key";

    static final int PROBE_PERIOD_SECONDS = 10;
    /** The user name vLLM's processes see (USER): the pods run as a numeric UID the image does not name. */
    static final String VLLM_USER = "vllm";

    public VllmDeployment(RenderSettings settings) {
        super(Deployment.class, ModelNames.COMPONENT_SERVER, settings);
    }

    @Override
    protected Deployment render(RewriterModel model, Context<RewriterModel> context) {
        int replicas = context.managedWorkflowAndDependentResourceContext().getMandatory(REPLICAS_KEY, Integer.class);
        boolean apiKey = context.managedWorkflowAndDependentResourceContext()
                .get(API_KEY_KEY, Boolean.class)
                .orElse(true);
        return render(
                model,
                replicas,
                settings,
                WeightCachePvc.accessModes(model, settings, context.getSecondaryResource(PersistentVolumeClaim.class)),
                apiKey);
    }

    /** As rendered before the cache claim exists: its access modes from the spec, else the operator's. */
    public static Deployment render(RewriterModel model, int replicas, RenderSettings settings) {
        return render(model, replicas, settings, WeightCachePvc.accessModes(model, settings, Optional.empty()));
    }

    /**
     * @param cacheAccessModes the access modes of the model's cache claim; without ReadWriteMany the
     *     replicas are kept on one node ({@link CacheAffinity}). Unused for a source without cache.
     */
    public static Deployment render(
            RewriterModel model, int replicas, RenderSettings settings, List<String> cacheAccessModes) {
        return render(model, replicas, settings, cacheAccessModes, true);
    }

    /**
     * @param apiKey whether vLLM asks for the model's API key on /v1 ({@value ModelApiKey#ENV} from its
     *     Secret, {@link ModelApiKey})
     */
    public static Deployment render(
            RewriterModel model, int replicas, RenderSettings settings, List<String> cacheAccessModes, boolean apiKey) {
        RewriterModelSpec spec = model.getSpec();
        RewriterModelSpec.Engine engine =
                Optional.ofNullable(spec.getEngine()).orElseGet(RewriterModelSpec.Engine::new);
        RewriterModelSpec.ModelResources res =
                Optional.ofNullable(spec.getResources()).orElseGet(RewriterModelSpec.ModelResources::new);
        Scheduling scheduling = Optional.ofNullable(spec.getScheduling()).orElseGet(Scheduling::new);
        WeightSource weights = WeightSource.of(model);

        List<Volume> volumes = new ArrayList<>(RestrictedSecurity.scratchVolumes());
        volumes.add(RestrictedSecurity.shm(Optional.ofNullable(res.getShmSize()).orElse("16Gi")));
        List<VolumeMount> mounts = new ArrayList<>(RestrictedSecurity.scratchMounts());
        mounts.add(new VolumeMountBuilder()
                .withName("dshm")
                .withMountPath("/dev/shm")
                .build());
        if (weights.usesCache()) {
            volumes.add(new VolumeBuilder()
                    .withName("weights")
                    .withPersistentVolumeClaim(new PersistentVolumeClaimVolumeSource(ModelNames.cachePvc(model), false))
                    .build());
            // Read-write: the hub library writes small markers (refs, .no_exist) even when offline.
            mounts.add(new VolumeMountBuilder()
                    .withName("weights")
                    .withMountPath(WeightSource.CACHE_MOUNT)
                    .build());
        } else if (weights instanceof WeightSource.UserPvc pvc) {
            volumes.add(new VolumeBuilder()
                    .withName("weights")
                    .withPersistentVolumeClaim(new PersistentVolumeClaimVolumeSource(pvc.claimName(), true))
                    .build());
            mounts.add(new VolumeMountBuilder()
                    .withName("weights")
                    .withMountPath(WeightSource.USER_PVC_MOUNT)
                    .withReadOnly(true)
                    .build());
        }

        Container vllm = new ContainerBuilder()
                .withName("vllm")
                .withImage(Optional.ofNullable(engine.getImage()).orElse(settings.defaultVllmImage()))
                .withCommand("vllm", "serve")
                .withArgs(VllmArgs.of(model, weights))
                .withEnv(env(model, engine, weights, apiKey))
                .addNewPort()
                .withName("http")
                .withContainerPort(ModelNames.PORT)
                .withProtocol("TCP")
                .endPort()
                .withResources(resources(res, engine))
                .withVolumeMounts(mounts)
                .withStartupProbe(startupProbe(settings))
                .withReadinessProbe(healthProbe(5, 3))
                .withLivenessProbe(healthProbe(15, 4))
                .withSecurityContext(RestrictedSecurity.container(settings.runAsUser()))
                .build();

        Map<String, String> podAnnotations = new LinkedHashMap<>();
        podAnnotations.put("prometheus.io/scrape", "true");
        podAnnotations.put("prometheus.io/port", String.valueOf(ModelNames.PORT));
        podAnnotations.put("prometheus.io/path", "/metrics");

        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(ModelNames.deployment(model))
                .withNamespace(model.getMetadata().getNamespace())
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_SERVER))
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .withMatchLabels(ModelNames.serverSelector(model))
                .endSelector()
                // A replica needs whole GPUs: a surge replica would wait for a free GPU node,
                // so replace one at a time instead.
                .withNewStrategy()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(new IntOrString(0))
                .withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate()
                .endStrategy()
                .withProgressDeadlineSeconds((int) settings.progressDeadline().toSeconds())
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(ModelNames.labels(model, ModelNames.COMPONENT_SERVER))
                .withAnnotations(podAnnotations)
                .endMetadata()
                .withNewSpec()
                .withContainers(vllm)
                .withTerminationGracePeriodSeconds(DRAIN_SECONDS)
                .withVolumes(volumes)
                .withSecurityContext(RestrictedSecurity.pod(settings.runAsUser()))
                .withAutomountServiceAccountToken(false)
                .withServiceAccountName(PodIdentity.serviceAccount(
                        model.getSpec().getServiceAccountName(), settings.serviceAccountName()))
                .withImagePullSecrets(
                        PodIdentity.pullSecrets(model.getSpec().getImagePullSecrets(), settings.imagePullSecrets()))
                .withEnableServiceLinks(false)
                .withNodeSelector(scheduling.getNodeSelector())
                .withTolerations(scheduling.getTolerations())
                .withAffinity(
                        weights.usesCache() && !CacheAffinity.sharedAcrossNodes(cacheAccessModes)
                                ? CacheAffinity.replicasTogether(scheduling.getAffinity(), model)
                                : scheduling.getAffinity())
                .withPriorityClassName(scheduling.getPriorityClassName())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * The operator's variables, then {@code spec.engine.env} as written. A user variable of the same name
     * as one of the operator's replaces it, in the user's position: the user's setting wins (it is what
     * they asked for), and their list keeps its order, so a {@code $(VAR)} in it resolves as they wrote
     * it (the operator's own values reference nothing). Each name then appears once, which server-side
     * apply requires of a container's env (kubernetes/kubernetes#113482); duplicates within the user's
     * list are refused as an invalid spec ({@code ModelSpecRules}).
     */
    private static List<EnvVar> env(
            RewriterModel model, RewriterModelSpec.Engine engine, WeightSource weights, boolean apiKey) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("HOME", RestrictedSecurity.HOME, null));
        env.add(new EnvVar("XDG_CACHE_HOME", RestrictedSecurity.HOME + "/.cache", null));
        // The numeric UID has no passwd entry in the image: Python's getpass.getuser(), which PyTorch's
        // inductor calls for its cache path, reads USER (after LOGNAME) before it tries the passwd
        // database, and fails without either.
        env.add(new EnvVar("USER", VLLM_USER, null));
        // Inductor's compile cache on HOME's emptyDir, next to vLLM's own, rather than /tmp/torchinductor_<user>.
        env.add(new EnvVar("TORCHINDUCTOR_CACHE_DIR", RestrictedSecurity.HOME + "/.cache/torchinductor", null));
        env.add(new EnvVar("VLLM_NO_USAGE_STATS", "1", null));
        if (weights.usesCache()) {
            env.add(new EnvVar("HF_HOME", WeightSource.HF_HOME, null));
        }
        // Weights come from the download Job, never per pod: a replica must not reach for the hub.
        env.add(new EnvVar("HF_HUB_OFFLINE", "1", null));
        if (weights instanceof WeightSource.HuggingFace hf
                && hf.spec() != null
                && hf.spec().getTokenSecretRef() != null) {
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
        if (apiKey) {
            // vLLM reads VLLM_API_KEY when --api-key is not given; from the Secret, the key is in no spec
            env.add(ModelApiKey.env(model));
        }
        List<EnvVar> user = Optional.ofNullable(engine.getEnv()).orElse(List.of());
        Set<String> userNames = user.stream().map(EnvVar::getName).collect(Collectors.toSet());
        env.removeIf(e -> userNames.contains(e.getName()));
        env.addAll(user);
        return env;
    }

    private static ResourceRequirements resources(
            RewriterModelSpec.ModelResources res, RewriterModelSpec.Engine engine) {
        int gpus = res.getGpus() != null
                ? res.getGpus()
                : Optional.ofNullable(engine.getTensorParallelSize()).orElse(1);
        String gpuName = Optional.ofNullable(res.getGpuResourceName()).orElse("nvidia.com/gpu");
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (res.getCpu() != null) {
            requests.put("cpu", new Quantity(res.getCpu()));
        }
        if (res.getMemory() != null) {
            requests.put("memory", new Quantity(res.getMemory()));
            limits.put("memory", new Quantity(res.getMemory()));
        }
        if (gpus > 0) {
            // Extended resources are not overcommitted: request must equal limit.
            requests.put(gpuName, new Quantity(String.valueOf(gpus)));
            limits.put(gpuName, new Quantity(String.valueOf(gpus)));
        }
        return new ResourceRequirementsBuilder()
                .withRequests(requests)
                .withLimits(limits)
                .build();
    }

    /** Loading tens of GB of weights and compiling CUDA graphs takes minutes; liveness waits for this. */
    private static Probe startupProbe(RenderSettings settings) {
        int failures = (int) Math.max(1, settings.startupBudget().toSeconds() / PROBE_PERIOD_SECONDS);
        return new ProbeBuilder()
                .withHttpGet(new HTTPGetActionBuilder()
                        .withPath("/health")
                        .withPort(new IntOrString("http"))
                        .build())
                .withPeriodSeconds(PROBE_PERIOD_SECONDS)
                .withTimeoutSeconds(5)
                .withFailureThreshold(failures)
                .build();
    }

    private static Probe healthProbe(int period, int failures) {
        return new ProbeBuilder()
                .withHttpGet(new HTTPGetActionBuilder()
                        .withPath("/health")
                        .withPort(new IntOrString("http"))
                        .build())
                .withPeriodSeconds(period)
                .withTimeoutSeconds(5)
                .withFailureThreshold(failures)
                .build();
    }
}
