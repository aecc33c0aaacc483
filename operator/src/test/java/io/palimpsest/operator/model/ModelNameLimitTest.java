package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelNameLimitTest {

    private static Optional<FieldError> check(RewriterModel model) {
        return ModelNameLimit.check(model, WeightSource.of(model));
    }

    @Test
    void theHeadlessServiceBoundsAModelOnItsOwnClaim() {
        assertEquals(Optional.empty(), check(Models.onPvc("a".repeat(49), 1, 1)));
        FieldError v = check(Models.onPvc("a".repeat(50), 1, 1)).orElseThrow();
        assertEquals("metadata.name", v.field());
        assertEquals(
                "at most 49 characters for a model the operator runs (its headless Service is named "
                        + "<name>-vllm-replicas and that name has at most 63); this one has 50",
                v.message());
    }

    @Test
    void theDownloadJobBoundsAModelWithACache() {
        assertEquals(Optional.empty(), check(Models.huggingFace("a".repeat(45))));
        FieldError v = check(Models.huggingFace("a".repeat(46))).orElseThrow();
        assertTrue(
                check(Models.huggingFace("a".repeat(60)))
                        .orElseThrow()
                        .message()
                        .startsWith("at most 45"),
                "the tighter bound first");
        assertTrue(
                v.message()
                        .startsWith("at most 45 characters for a model with a weight cache (its weight download Job"),
                v.message());
    }

    @Test
    void aNameThatCannotNameAServiceIsRefusedAsTheLinterRefusesIt() {
        assertTrue(check(Models.onPvc("qwen2.5-7b", 1, 1))
                .orElseThrow()
                .message()
                .startsWith("'qwen2.5-7b' cannot name the model's Services"));
        assertTrue(check(Models.huggingFace("8b-rewriter")).isPresent());
        assertEquals(Optional.empty(), check(Models.onPvc("qwen25-7b", 1, 1)));
    }
}
