package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.Models;
import io.palimpsest.operator.model.WeightSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pod a RewriterModel makes passes the "restricted" Pod Security profile. vLLM needs no
 * exception from the profile (see RestrictedSecurity for how its needs are met inside it).
 */
class PodSecurityTest {
    private static final RenderSettings SETTINGS = RenderSettings.defaults();

    static Stream<RewriterModel> models() {
        RewriterModel s3 = Models.huggingFace("s3model");
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        RewriterModelSpec.S3Source s3Source = new RewriterModelSpec.S3Source();
        s3Source.setUri("s3://weights/mistral-7b");
        s3Source.setCredentialsSecretRef(new SecretRef("s3-creds"));
        source.setS3(s3Source);
        s3.getSpec().setSource(source);
        return Stream.of(Models.huggingFace("hf"), Models.onPvc("pvc", 0, 2), s3);
    }

    @ParameterizedTest
    @MethodSource("models")
    void vllmPodsAreRestricted(RewriterModel model) {
        PodSpec pod = VllmDeployment.render(model, 1, SETTINGS)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertEquals(List.of(), RestrictedProfile.violations(pod));
        assertTrue(
                pod.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem(),
                "beyond the profile: HOME, /tmp and caches are emptyDirs");
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "vLLM never calls the Kubernetes API");
    }

    @ParameterizedTest
    @MethodSource("models")
    void downloadPodsAreRestricted(RewriterModel model) {
        if (!WeightSource.of(model).usesCache()) {
            return;
        }
        PodSpec pod = WeightDownloadJob.render(model, SETTINGS)
                .getSpec()
                .getTemplate()
                .getSpec();
        assertEquals(List.of(), RestrictedProfile.violations(pod));
    }

    /** The checks themselves must catch what the profile forbids. */
    @Test
    void theCheckerRejectsWhatTheProfileForbids() {
        PodSpec good = VllmDeployment.render(Models.huggingFace("x"), 1, SETTINGS)
                .getSpec()
                .getTemplate()
                .getSpec();
        PodSpec bad = new PodSpecBuilder(good)
                .withHostIPC(true)
                .addToVolumes(new VolumeBuilder()
                        .withName("host")
                        .withHostPath(new HostPathVolumeSource("/dev/shm", null))
                        .build())
                .editFirstContainer()
                .editSecurityContext()
                .withPrivileged(true)
                .withAllowPrivilegeEscalation(true)
                .withRunAsNonRoot(false)
                .editCapabilities()
                .withDrop()
                .withAdd("IPC_LOCK")
                .endCapabilities()
                .editSeccompProfile()
                .withType("Unconfined")
                .endSeccompProfile()
                .endSecurityContext()
                .endContainer()
                .build();
        List<String> v = RestrictedProfile.violations(bad);
        for (String expected : List.of(
                "hostIPC",
                "volume host of type hostPath",
                "container vllm: privileged",
                "container vllm: allowPrivilegeEscalation must be false",
                "container vllm: runAsNonRoot must be true",
                "container vllm: capabilities must drop ALL",
                "container vllm: adds capability IPC_LOCK",
                "container vllm: seccompProfile must be RuntimeDefault or Localhost")) {
            assertTrue(v.contains(expected), expected + " not in " + v);
        }
        PodSpec emptyDirOnly = new PodSpecBuilder(good)
                .withVolumes(new VolumeBuilder()
                        .withName("d")
                        .withEmptyDir(new EmptyDirVolumeSource())
                        .build())
                .build();
        assertEquals(List.of(), RestrictedProfile.violations(emptyDirOnly));
    }
}
