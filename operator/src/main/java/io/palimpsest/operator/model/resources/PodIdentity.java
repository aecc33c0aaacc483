package io.palimpsest.operator.model.resources;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.List;
import java.util.Optional;

/**
 * Who a pod runs as and how it pulls its image: a resource's own choice wins, else the operator's
 * default (chart values), else the namespace's (no field set, so the default ServiceAccount and no
 * pull secrets).
 */
public final class PodIdentity {
    private PodIdentity() {}

    /** The ServiceAccount name, or null to leave the field unset. */
    public static String serviceAccount(String own, Optional<String> operatorDefault) {
        if (own != null && !own.isBlank()) {
            return own;
        }
        return operatorDefault.filter(s -> !s.isBlank()).orElse(null);
    }

    /** The pull secrets, or null to leave the field unset; a resource's list replaces the default, as a pod's would. */
    public static List<LocalObjectReference> pullSecrets(
            List<LocalObjectReference> own, Optional<List<String>> operatorDefault) {
        if (own != null && !own.isEmpty()) {
            return own;
        }
        List<LocalObjectReference> defaults = operatorDefault.orElse(List.of()).stream()
                .filter(name -> !name.isBlank())
                .map(LocalObjectReference::new)
                .toList();
        return defaults.isEmpty() ? null : defaults;
    }
}
