package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.model.resources.KeylessCallers;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Default {@link KeylessCallers}: the Jobs of the given RewriteJobs (by {@value RewriteJobNames#JOB_LABEL})
 * whose pods call the model, the worker and preview Jobs ({@value RewriteJobNames#ROLE_LABEL}; the planner
 * and tally never call it), without {@value WorkerPodTemplate#MODEL_API_KEY_ENV} in their pod template. One
 * list of the operator's Jobs per namespace: a Job being deleted still counts (its pods may still run).
 */
@ApplicationScoped
public class KeylessWorkerJobs implements KeylessCallers {
    private static final Set<String> CALLING = Set.of(RewriteJobNames.ROLE_WORK, RewriteJobNames.ROLE_PREVIEW);

    @Override
    public List<String> of(KubernetesClient client, Collection<RewriteJob> jobs) {
        Map<String, Set<String>> byNamespace = jobs.stream()
                .collect(Collectors.groupingBy(
                        j -> j.getMetadata().getNamespace(),
                        Collectors.mapping(j -> j.getMetadata().getName(), Collectors.toSet())));
        Set<String> keyless = new TreeSet<>();
        byNamespace.forEach((namespace, names) -> client.batch()
                .v1()
                .jobs()
                .inNamespace(namespace)
                .withLabel(ModelNames.MANAGED_BY_LABEL, ModelNames.MANAGED_BY)
                .list()
                .getItems()
                .forEach(j -> {
                    Map<String, String> labels =
                            Optional.ofNullable(j.getMetadata().getLabels()).orElse(Map.of());
                    String owner = labels.get(RewriteJobNames.JOB_LABEL);
                    if (owner != null
                            && names.contains(owner)
                            && CALLING.contains(labels.get(RewriteJobNames.ROLE_LABEL))
                            && !keyed(j)) {
                        keyless.add(owner);
                    }
                }));
        return List.copyOf(keyless);
    }

    /** Whether the Job's pods get the model's key. */
    static boolean keyed(Job job) {
        PodTemplateSpec template = job.getSpec() == null ? null : job.getSpec().getTemplate();
        List<Container> containers = template == null || template.getSpec() == null
                ? List.of()
                : Optional.ofNullable(template.getSpec().getContainers()).orElse(List.of());
        return containers.stream()
                .flatMap(c -> Optional.ofNullable(c.getEnv()).orElse(List.of()).stream())
                .anyMatch(e -> WorkerPodTemplate.MODEL_API_KEY_ENV.equals(e.getName()));
    }
}
