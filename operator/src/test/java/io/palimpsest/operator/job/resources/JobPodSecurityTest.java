package io.palimpsest.operator.job.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.model.resources.RestrictedProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every pod the operator makes meets the "restricted" Pod Security Standard, with a read-only root
 * filesystem and /tmp on an emptyDir (docs/INSTALL.md, "Pod security"): planner, worker, tally and
 * preview pods of a job, vLLM replicas and weight downloads of a model, as rendered from the
 * quickstart's manifests (on a claim, and with file:// paths).
 */
class JobPodSecurityTest {

    @Test
    void everyPodOfAJobAndItsModelIsRestricted() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<String> checked = new TreeSet<>();
        for (String example : List.of("quickstart", "quickstart-cluster")) {
            for (HasMetadata object : OperatorObjectsSchemaTest.render(Path.of("../examples", example))) {
                PodSpec pod = object instanceof Job j
                        ? j.getSpec().getTemplate().getSpec()
                        : object instanceof Deployment d
                                ? d.getSpec().getTemplate().getSpec()
                                : null;
                if (pod == null) {
                    continue;
                }
                String where = example + ": " + object.getKind() + "/"
                        + object.getMetadata().getName();
                RestrictedProfile.violations(pod).forEach(v -> problems.add(where + ": " + v));
                pod.getContainers().forEach(c -> {
                    if (!Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem())) {
                        problems.add(where + ": container " + c.getName() + " has a writable root filesystem");
                    }
                    boolean tmp = c.getVolumeMounts().stream()
                            .anyMatch(m -> m.getMountPath().equals("/tmp")
                                    && pod.getVolumes().stream()
                                            .anyMatch(v -> v.getName().equals(m.getName()) && v.getEmptyDir() != null));
                    if (!tmp) {
                        problems.add(where + ": container " + c.getName() + " has no emptyDir on /tmp");
                    }
                });
                checked.add(object.getMetadata().getName().replaceAll("^quickstart-?|^qwen-small-?", "") + "");
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(
                checked.containsAll(Set.of("plan", "work", "tally", "preview", "vllm")),
                "planner, worker, tally, preview and vLLM pods were all checked: " + checked);
        assertTrue(checked.stream().anyMatch(n -> n.startsWith("download")), "a download pod was checked: " + checked);
    }
}
