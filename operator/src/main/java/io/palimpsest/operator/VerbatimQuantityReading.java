package io.palimpsest.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.common.VerbatimQuantities;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * The operator's client reads quantities as {@link VerbatimQuantities} does: a RewriteJob or
 * RewriterModel holding a quantity Fabric8 cannot read fails on its own (InvalidSpec, naming the
 * field) instead of stopping the informer of every object of its kind, and the operator with it.
 */
@Singleton
public class VerbatimQuantityReading implements KubernetesClientObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        VerbatimQuantities.register(mapper);
    }
}
