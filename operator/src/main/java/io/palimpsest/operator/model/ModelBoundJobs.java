package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code status.boundJobs}: the RewriteJobs that name the model and have not finished (the ones the
 * autoscaler waits for), counted, with the first {@link RewriterModelStatus.BoundJobs#MAX_NAMES}
 * names in alphabetical order, so the status stays small whatever the number of jobs.
 */
final class ModelBoundJobs {
    private ModelBoundJobs() {}

    /** @param jobs the RewriteJobs whose spec.modelRef names the model (the model's RewriteJob informer) */
    static RewriterModelStatus.BoundJobs of(Collection<RewriteJob> jobs) {
        List<String> names =
                unfinished(jobs).map(j -> j.getMetadata().getName()).sorted().toList();
        RewriterModelStatus.BoundJobs bound = new RewriterModelStatus.BoundJobs();
        bound.setCount(names.size());
        bound.setNames(
                names.isEmpty()
                        ? null
                        : List.copyOf(
                                names.subList(0, Math.min(names.size(), RewriterModelStatus.BoundJobs.MAX_NAMES))));
        return bound;
    }

    /** The jobs of {@code jobs} that have not finished. */
    static List<RewriteJob> unfinishedOf(Collection<RewriteJob> jobs) {
        return unfinished(jobs).toList();
    }

    private static Stream<RewriteJob> unfinished(Collection<RewriteJob> jobs) {
        return jobs.stream()
                .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
                .filter(j -> j.getStatus() == null
                        || j.getStatus().getPhase() == null
                        || !j.getStatus().getPhase().isTerminal());
    }
}
