package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Optional;

/** Whether the weights are on the cache volume, read from the download Job's status. */
public enum WeightsState {
    /** The source needs no download (a user PVC). */
    NotNeeded,
    Downloading,
    Ready,
    Failed;

    public boolean servable() {
        return this == NotNeeded || this == Ready;
    }

    public static WeightsState of(Optional<Job> job) {
        if (job.isEmpty() || job.get().getStatus() == null) {
            return Downloading;
        }
        var status = job.get().getStatus();
        if (status.getConditions() != null) {
            for (JobCondition c : status.getConditions()) {
                // FailureTarget / SuccessCriteriaMet come first (Kubernetes 1.31+) and already decide.
                if ("True".equals(c.getStatus())
                        && ("Complete".equals(c.getType()) || "SuccessCriteriaMet".equals(c.getType()))) {
                    return Ready;
                }
                if ("True".equals(c.getStatus())
                        && ("Failed".equals(c.getType()) || "FailureTarget".equals(c.getType()))) {
                    return Failed;
                }
            }
        }
        return status.getSucceeded() != null && status.getSucceeded() > 0 ? Ready : Downloading;
    }
}
