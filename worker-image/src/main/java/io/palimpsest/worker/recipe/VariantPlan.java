package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.worker.recipe.post.QaAppender;
import io.palimpsest.worker.recipe.post.ReplyCleaner;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.validate.Validators;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A variant with everything compiled that does not depend on the document. */
final class VariantPlan {
    final PromptVariant variant;
    final String owner;
    final ReplyCleaner cleaner;
    final Validators validators;
    final Optional<QaAppender> appender;
    final Map<String, Object> sampling;
    /** Whether a document's stages call the model: then every variant call comes after paid calls. */
    final boolean stagesCallModel;

    VariantPlan(Recipe recipe, PromptVariant variant, ModelCall model, PromptRenderer renderer) {
        this.variant = variant;
        this.owner = "variant " + variant.getName();
        renderer.check(owner, variant);
        this.cleaner = new ReplyCleaner(recipe.getPostProcess(), variant.getPostProcess(), owner);
        this.validators = Validators.of(
                Validators.concat(recipe.getValidators(), variant.getValidators()),
                Optional.of(model),
                renderer,
                owner);
        List<PostStep> steps = new ArrayList<>();
        if (recipe.getPostProcess() != null) {
            steps.addAll(recipe.getPostProcess());
        }
        if (variant.getPostProcess() != null) {
            steps.addAll(variant.getPostProcess());
        }
        this.appender = ReplyCleaner.find(steps, PostStep.Type.appendToOriginal).map(QaAppender::new);
        this.sampling = samplingMap(variant.getSampling());
        this.stagesCallModel =
                recipe.getStages() != null && recipe.getStages().stream().anyMatch(s -> s.getRender() == null);
    }

    String name() {
        return variant.getName();
    }

    boolean rendersWithoutModel() {
        return variant.getRender() != null;
    }

    Integer maxTokens() {
        return variant.getSampling() == null ? null : variant.getSampling().getMaxTokens();
    }

    static Map<String, Object> samplingMap(Sampling s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (s == null) {
            return m;
        }
        if (s.getTemperature() != null) {
            m.put("temperature", s.getTemperature());
        }
        if (s.getTopP() != null) {
            m.put("top_p", s.getTopP());
        }
        if (s.getMaxTokens() != null) {
            m.put("max_tokens", s.getMaxTokens());
        }
        if (s.getStop() != null) {
            m.put("stop", s.getStop());
        }
        if (s.getSeed() != null) {
            m.put("seed", s.getSeed());
        }
        return m;
    }
}
