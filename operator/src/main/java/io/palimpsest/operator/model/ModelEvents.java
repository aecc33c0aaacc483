package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.status.Rfc3339;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on a RewriterModel (what `kubectl describe rwm` shows), also logged at INFO (Events expire, the log
 * stays). Best effort: never fails a reconcile.
 */
@ApplicationScoped
public class ModelEvents {
    private static final Logger LOG = Logger.getLogger(ModelEvents.class);
    public static final String SCALED = "Scaled";

    private final KubernetesClient client;
    private final Clock clock;

    @Inject
    public ModelEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(RewriterModel model, String reason, String message) {
        emit(model, "Normal", reason, message);
    }

    public void warning(RewriterModel model, String reason, String message) {
        emit(model, "Warning", reason, message);
    }

    private void emit(RewriterModel model, String type, String reason, String message) {
        String now = Rfc3339.format(clock.instant());
        LOG.infof(
                "RewriterModel %s/%s: %s %s: %s",
                model.getMetadata().getNamespace(), model.getMetadata().getName(), type, reason, message);
        try {
            client.v1()
                    .events()
                    .inNamespace(model.getMetadata().getNamespace())
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withGenerateName(model.getMetadata().getName() + ".")
                            .withNamespace(model.getMetadata().getNamespace())
                            .endMetadata()
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withApiVersion(model.getApiVersion())
                                    .withKind(model.getKind())
                                    .withName(model.getMetadata().getName())
                                    .withNamespace(model.getMetadata().getNamespace())
                                    .withUid(model.getMetadata().getUid())
                                    .withResourceVersion(model.getMetadata().getResourceVersion())
                                    .build())
                            .withType(type)
                            .withReason(reason)
                            .withMessage(message)
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .withCount(1)
                            .withReportingComponent("palimpsest-operator")
                            .withNewSource()
                            .withComponent("palimpsest-operator")
                            .endSource()
                            .build())
                    .create();
        } catch (RuntimeException e) {
            LOG.debugf(
                    e,
                    "could not record event %s on %s",
                    reason,
                    model.getMetadata().getName());
        }
    }
}
