package io.palimpsest.operator.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.resources.KedaScaledObject;
import io.palimpsest.operator.model.resources.RenderSettings;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a model's KEDA ScaledObject in line with its spec. KEDA is optional, so there is no
 * informer for it: the last applied spec is remembered in memory and the API is only touched
 * when the rendered spec changes (or once after an operator restart).
 */
final class KedaScaledObjects {
    static final ResourceDefinitionContext SCALED_OBJECTS = new ResourceDefinitionContext.Builder()
            .withGroup("keda.sh").withVersion("v1alpha1").withKind(KedaScaledObject.KIND)
            .withPlural("scaledobjects").withNamespaced(true).build();
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .build();

    // Both remember the model's uid too: a model deleted and created again under the same name is
    // another object (its ScaledObject went with the old one) and must be applied again.
    private final Map<ResourceID, String> applied = new ConcurrentHashMap<>();
    private final Map<ResourceID, String> absenceChecked = new ConcurrentHashMap<>();

    /** Creates or updates the ScaledObject; returns a problem message, or null when it is in place. */
    String apply(KubernetesClient client, RewriterModel model, RenderSettings settings) {
        ResourceID id = ResourceID.fromResource(model);
        absenceChecked.remove(id);
        GenericKubernetesResource desired = KedaScaledObject.render(model, settings);
        String spec = canonical(desired.getAdditionalProperties().get("spec"));
        String appliedKey = model.getMetadata().getUid() + " " + spec;
        if (appliedKey.equals(applied.get(id))) {
            return null;
        }
        try {
            var objects = client.genericKubernetesResources(SCALED_OBJECTS).inNamespace(model.getMetadata().getNamespace());
            GenericKubernetesResource existing = objects.withName(desired.getMetadata().getName()).get();
            if (existing == null) {
                objects.resource(desired).create();
            } else if (!spec.equals(canonical(existing.getAdditionalProperties().get("spec")))) {
                desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                objects.resource(desired).update();
            }
            applied.put(id, appliedKey);
            return null;
        } catch (KubernetesClientException e) {
            return "could not apply the KEDA ScaledObject (is KEDA installed?): " + e.getCode() + " " + e.getStatus();
        }
    }

    /** After a switch away from keda mode (or once after a restart): no ScaledObject may fight the operator. */
    void ensureAbsent(KubernetesClient client, RewriterModel model) {
        ResourceID id = ResourceID.fromResource(model);
        String uid = String.valueOf(model.getMetadata().getUid());
        if (uid.equals(absenceChecked.put(id, uid))) {
            return;
        }
        applied.remove(id);
        try {
            client.genericKubernetesResources(SCALED_OBJECTS).inNamespace(model.getMetadata().getNamespace())
                    .withName(ModelNames.scaledObject(model))
                    .delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                absenceChecked.remove(id);
                throw e;
            }
        }
    }

    /** A model that is gone: nothing is kept for it. */
    void forget(ResourceID id) {
        applied.remove(id);
        absenceChecked.remove(id);
    }

    private static String canonical(Object spec) {
        try {
            // Through plain maps, so key order and integral number types do not matter.
            Object plain = CANONICAL.readValue(CANONICAL.writeValueAsString(Objects.requireNonNullElse(spec, Map.of())),
                    Object.class);
            return CANONICAL.writeValueAsString(plain);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
