package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.Models;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model pods' environment: the operator's variables and the user's, each name once, since a
 * server-side apply refuses a container env that names a variable twice.
 */
class VllmEnvTest {

    @Test
    void aUserVariableReplacesTheOperatorsOfTheSameNameInTheUsersPlace() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec()
                .getEngine()
                .setEnv(List.of(
                        new EnvVar("VLLM_LOGGING_LEVEL", "DEBUG", null),
                        new EnvVar("HF_HUB_OFFLINE", "0", null),
                        new EnvVar("HOME", "/work", null)));
        List<EnvVar> env = VllmDeployment.render(model, 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv();
        assertEquals(
                List.of(
                        "XDG_CACHE_HOME",
                        "USER",
                        "TORCHINDUCTOR_CACHE_DIR",
                        "VLLM_NO_USAGE_STATS",
                        "HF_HOME",
                        "HF_TOKEN",
                        "VLLM_API_KEY",
                        "VLLM_LOGGING_LEVEL",
                        "HF_HUB_OFFLINE",
                        "HOME"),
                env.stream().map(EnvVar::getName).toList());
        assertEquals("0", value(env, "HF_HUB_OFFLINE"));
        assertEquals("/work", value(env, "HOME"));
    }

    /**
     * The pods run as {@code model.runAsUser} (1000), which has no passwd entry in the vLLM image:
     * PyTorch's inductor names its cache after {@code getpass.getuser()}, which reads LOGNAME, USER,
     * LNAME and USERNAME before the passwd database and raises without any of them. USER is set,
     * and the inductor cache sits on HOME's writable emptyDir.
     */
    @Test
    void aUserNameAndAWritableInductorCacheForAUidWithoutPasswdEntry() {
        var pod = VllmDeployment.render(Models.huggingFace("m"), 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec();
        List<EnvVar> env = pod.getContainers().get(0).getEnv();
        assertEquals("vllm", value(env, "USER"));
        String cache = value(env, "TORCHINDUCTOR_CACHE_DIR");
        assertEquals(RestrictedSecurity.HOME + "/.cache/torchinductor", cache);
        assertTrue(
                pod.getContainers().get(0).getVolumeMounts().stream()
                        .anyMatch(m -> cache.startsWith(m.getMountPath() + "/")
                                && pod.getVolumes().stream()
                                        .anyMatch(v -> v.getName().equals(m.getName()) && v.getEmptyDir() != null)),
                "the inductor cache is on a writable emptyDir (the root filesystem is read-only)");
    }

    @Test
    void aUserNameOfTheSpecWins() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getEngine().setEnv(List.of(new EnvVar("USER", "inference", null)));
        List<EnvVar> env = VllmDeployment.render(model, 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv();
        assertEquals("inference", value(env, "USER"));
        assertEquals(1, env.stream().filter(e -> e.getName().equals("USER")).count());
    }

    @Test
    void theDownloadJobTakesNoUserVariable() {
        RewriterModel model = Models.huggingFace("m");
        model.getSpec().getEngine().setEnv(List.of(new EnvVar("HOME", "/work", null)));
        List<EnvVar> env = WeightDownloadJob.render(model, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv();
        assertEquals(
                List.of("HOME", "HF_HOME", "HF_TOKEN"),
                env.stream().map(EnvVar::getName).toList());
        assertEquals(RestrictedSecurity.HOME, value(env, "HOME"));
    }

    private static String value(List<EnvVar> env, String name) {
        return env.stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow()
                .getValue();
    }
}
