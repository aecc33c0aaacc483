package io.palimpsest.operator.job;

import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.AdmissionPolicy;
import io.palimpsest.operator.job.JobPhaseMachine.ModelState;
import io.palimpsest.operator.status.ConditionAggregator;
import java.util.List;

/**
 * Whether a RewriteJob may run workers against the RewriterModel it names. Worker pods get the
 * model's endpoint URL and its API key Secret ({@code spec.endpoint.apiKeySecretRef}) as a bearer
 * token, so the job checks the model's spec against the admission policy itself, as the model's
 * own controller does, rather than trust a status that controller may not have written yet. A
 * model whose status is Failed (refused, its weights not downloaded) serves nothing: its Service
 * may never have been made. Either way the job runs no worker and says why; once the model is
 * fixed, it runs. A model being deleted (its deletionTimestamp set, while a foreground deletion waits for its
 * Deployment and claims to go) is taken as gone: it serves nothing meanwhile and will not again.
 */
public final class ModelGate {

    /** @param message why the model cannot be used, naming it, or null when it can */
    public record Verdict(ModelState state, String message) {}

    private ModelGate() {}

    public static Verdict of(RewriteJob job, RewriterModel model, AdmissionPolicy policy) {
        if (job.getSpec() == null || job.getSpec().getModelRef() == null) {
            return new Verdict(ModelState.USABLE, null); // a recipe that calls no model names none
        }
        String name = job.getSpec().getModelRef().getName();
        if (model == null) {
            return new Verdict(
                    ModelState.NOT_FOUND,
                    "spec.modelRef.name: RewriterModel '" + name + "' not found in namespace '"
                            + job.getMetadata().getNamespace() + "' (a RewriteJob runs on a RewriterModel of its own"
                            + " namespace; the job starts once the model is created there)");
        }
        if (model.getMetadata().getDeletionTimestamp() != null) {
            // Deleted in the foreground (Argo CD's prune, --cascade=foreground), it stays until its Deployment,
            // Services and claims are gone: it serves nothing meanwhile and will not again.
            return new Verdict(
                    ModelState.NOT_FOUND,
                    "spec.modelRef.name: RewriterModel '" + name + "' is being deleted (since "
                            + model.getMetadata().getDeletionTimestamp()
                            + "); no worker runs against it, and the job goes on once a RewriterModel of that name"
                            + " is created again in namespace '"
                            + job.getMetadata().getNamespace() + "'");
        }
        List<FieldError> refused = policy.check(model);
        if (!refused.isEmpty()) {
            return new Verdict(
                    ModelState.FAILED,
                    "RewriterModel '" + name + "' is refused by the operator's policy, no worker runs against it: "
                            + FieldError.describe(refused));
        }
        if (model.getStatus() != null && model.getStatus().getPhase() == ModelPhase.Failed) {
            var ready = ConditionAggregator.find(model.getStatus().getConditions(), Conditions.READY);
            String why = ready == null
                    ? ""
                    : " (" + ready.getReason()
                            + (ready.getMessage() == null || ready.getMessage().isEmpty()
                                    ? ""
                                    : ": " + ready.getMessage())
                            + ")";
            return new Verdict(
                    ModelState.FAILED,
                    "RewriterModel '" + name + "' has failed" + why + "; no worker runs against it until it is fixed");
        }
        return new Verdict(ModelState.USABLE, null);
    }
}
