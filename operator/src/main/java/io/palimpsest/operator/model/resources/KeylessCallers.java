package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.Collection;
import java.util.List;

/**
 * Which RewriteJobs bound to a model still have an object that makes pods calling the model without its API
 * key: a worker (or preview) Job whose pod template has no {@code PALIMPSEST_MODEL_API_KEY}, made by an
 * operator from before models had keys. A Job is never re-templated, so such a Job only ever makes keyless
 * pods; a job without such Jobs yet gets keyed ones (the Secret exists by then). {@link ModelApiKey} turns the
 * key on for a Deployment made before keys only once none is left. The RewriteJob side implements it: it
 * knows which of its Jobs call the model.
 */
public interface KeylessCallers {
    /**
     * The names of the jobs of {@code jobs} with such a Job, read from the API server (called only while a
     * Deployment without the key serves unfinished jobs, so after an upgrade only).
     *
     * @throws io.fabric8.kubernetes.client.KubernetesClientException a refused list of Jobs
     */
    List<String> of(KubernetesClient client, Collection<RewriteJob> jobs);
}
