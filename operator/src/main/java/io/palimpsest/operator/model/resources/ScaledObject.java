package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.LinkedHashMap;

/**
 * KEDA's ScaledObject, typed only by its API coordinates; spec and status stay plain maps (the
 * operator writes the spec {@link KedaScaledObject#render} builds and never reads the status).
 * Typed so the client needs no API discovery to address it: a dependent that is not active (KEDA
 * absent) must still be nameable without the cluster knowing the kind.
 */
@Group("keda.sh")
@Version("v1alpha1")
@Kind(KedaScaledObject.KIND)
@Plural("scaledobjects")
public class ScaledObject extends CustomResource<LinkedHashMap<String, Object>, LinkedHashMap<String, Object>>
        implements Namespaced {}
