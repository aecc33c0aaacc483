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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A variant with everything compiled that does not depend on the document. */
final class VariantPlan {
    final PromptVariant variant;
    final String owner;
    final ReplyCleaner cleaner;
    final Validators validators;
    final Optional<QaAppender> appender;
    final Map<String, Object> sampling;
    /** The keys of stage replies and parameters the templates read, checked on every render. */
    final ReplyReads reads;

    final Set<String> stageNames;
    /** The stage the matrix parameters come from, or null. */
    final String paramsStage;
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
        this.reads = ReplyReads.of(variant);
        this.stageNames = stageNames(recipe);
        this.paramsStage =
                recipe.getMatrix() == null ? null : recipe.getMatrix().getFromStage();
        this.stagesCallModel =
                recipe.getStages() != null && recipe.getStages().stream().anyMatch(s -> s.getRender() == null);
    }

    static Set<String> stageNames(Recipe recipe) {
        Set<String> names = new HashSet<>();
        if (recipe.getStages() != null) {
            recipe.getStages().forEach(s -> names.add(s.getName()));
        }
        return names;
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
