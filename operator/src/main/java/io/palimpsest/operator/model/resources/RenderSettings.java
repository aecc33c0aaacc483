package io.palimpsest.operator.model.resources;

import io.palimpsest.operator.PalimpsestConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator-wide inputs of rendering, copied out of the config so renderers stay plain and testable. */
public record RenderSettings(
        String defaultVllmImage,
        String s3DownloadImage,
        long runAsUser,
        Duration startupBudget,
        List<String> cacheAccessModes,
        String kedaPrometheusAddress,
        Optional<String> cacheStorageClassName,
        Optional<String> serviceAccountName,
        Optional<List<String>> imagePullSecrets,
        boolean podDisruptionBudget,
        int pdbMaxUnavailable) {

    public static RenderSettings from(PalimpsestConfig config) {
        PalimpsestConfig.Model model = config.model();
        return new RenderSettings(
                model.defaultVllmImage(),
                model.s3DownloadImage(),
                model.runAsUser(),
                model.startupBudget(),
                model.cacheAccessModes(),
                config.keda().prometheusAddress(),
                model.cacheStorageClassName(),
                model.serviceAccountName(),
                model.imagePullSecrets(),
                model.podDisruptionBudget().enabled(),
                model.podDisruptionBudget().maxUnavailable());
    }

    public static RenderSettings defaults() {
        return new RenderSettings(
                "vllm/vllm-openai:v0.11.0",
                "amazon/aws-cli:2.31.0",
                1000,
                Duration.ofMinutes(10),
                List.of("ReadWriteOnce"),
                "http://prometheus-operated.monitoring.svc:9090",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false,
                1);
    }

    /**
     * How long a replica may take to become ready: the startup budget of model load and five
     * minutes for the image pull and scheduling. The Deployment's progress deadline, and how long a
     * model's pod may fail to start before the model is Degraded.
     */
    public Duration progressDeadline() {
        return startupBudget.plusMinutes(5);
    }

    /** The same settings with a PodDisruptionBudget for models that keep replicas. */
    public RenderSettings withPodDisruptionBudget(int maxUnavailable) {
        return new RenderSettings(
                defaultVllmImage,
                s3DownloadImage,
                runAsUser,
                startupBudget,
                cacheAccessModes,
                kedaPrometheusAddress,
                cacheStorageClassName,
                serviceAccountName,
                imagePullSecrets,
                true,
                maxUnavailable);
    }
}
