package io.palimpsest.api.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.palimpsest.api.lint.JobSpecRules;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerbatimQuantitiesTest {
    static final ObjectMapper VERBATIM = VerbatimQuantities.register(new ObjectMapper());

    static String requests(String storage) {
        return "{\"requests\":{\"ephemeral-storage\":\"" + storage + "\"}}";
    }

    /** Fabric8's own reading fails the whole object on 1.5e3M, which the CRD stores. */
    @Test
    void fabric8AloneCannotReadIt() {
        assertThrows(
                Exception.class, () -> new ObjectMapper().readValue(requests("1.5e3M"), ResourceRequirements.class));
    }

    @Test
    void aTextThatIsNoQuantityIsKeptAsWrittenAndHashes() throws Exception {
        for (String text : new String[] {"1.5e3M", "1e3Mi", "8GB"}) {
            ResourceRequirements r = VERBATIM.readValue(requests(text), ResourceRequirements.class);
            Quantity q = r.getRequests().get("ephemeral-storage");
            assertInstanceOf(VerbatimQuantities.Unread.class, q, text);
            assertEquals(text, q.toString());
            assertEquals(
                    q,
                    VERBATIM.readValue(requests(text), ResourceRequirements.class)
                            .getRequests()
                            .get("ephemeral-storage"));
            q.hashCode(); // Fabric8's throws for 8GB
            assertEquals(requests(text), VERBATIM.writeValueAsString(r));
        }
    }

    @Test
    void quantitiesAreReadAsFabric8ReadsThem() throws Exception {
        Quantity q = VERBATIM.readValue(requests("1.5e3"), ResourceRequirements.class)
                .getRequests()
                .get("ephemeral-storage");
        assertEquals(Quantity.class, q.getClass());
        assertEquals(new BigDecimal("1500.0"), q.getNumericalAmount());
        assertEquals(new Quantity("512Mi"), VERBATIM.readValue("\"512Mi\"", Quantity.class));
        assertEquals(new Quantity("2"), VERBATIM.readValue("2", Quantity.class));
    }

    /** The spec rules then name the field. */
    @Test
    void theSpecRulesNameTheField() throws Exception {
        RewriteJob job = VERBATIM.convertValue(
                Map.of(
                        "apiVersion",
                        "palimpsest.io/v1alpha1",
                        "kind",
                        "RewriteJob",
                        "metadata",
                        Map.of("name", "j"),
                        "spec",
                        Map.of("workers", Map.of("resources", Map.of("limits", Map.of("memory", "1.5e3M"))))),
                RewriteJob.class);
        var errors = JobSpecRules.check(job);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("spec.workers.resources.limits.memory", errors.get(0).field());
    }
}
