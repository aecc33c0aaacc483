package io.palimpsest.worker.recipe.validate;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelRequest;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An LLM judge (MAGA, SwallowCode's SGCR): a second call scores the output; below the threshold,
 * or without a readable score, the output is rejected.
 */
public final class JudgeCheck {
    public static final ItemReason REASON = ItemReason.JUDGE;
    private static final Pattern FIRST_NUMBER = Pattern.compile("(-?\\d+(?:\\.\\d+)?)");

    private final ValidatorSpec spec;
    private final ModelCall model;
    private final PromptRenderer renderer;
    private final String owner;
    private final Pattern score;
    private final double threshold;

    public JudgeCheck(ValidatorSpec spec, ModelCall model, PromptRenderer renderer, String owner) {
        if (spec.getJudge() == null) {
            throw new RecipeException(owner + ": a judge validator needs judge (the prompt)");
        }
        this.spec = spec;
        this.model = model;
        this.renderer = renderer;
        this.owner = owner;
        try {
            this.score = spec.getScorePattern() == null ? FIRST_NUMBER : Pattern.compile(spec.getScorePattern());
        } catch (PatternSyntaxException e) {
            throw new RecipeException(owner + ": bad scorePattern: " + e.getMessage(), e);
        }
        this.threshold = spec.getThreshold() == null ? 3.0 : spec.getThreshold();
        renderer.check(owner, spec.getJudge());
    }

    /** The score, and the rejection when it is too low or missing. */
    public record Outcome(Optional<CheckFailure> rejection, Double score) {}

    public CompletionStage<Outcome> judge(ValidationSubject s, ModelCall override) {
        ModelCall target = override == null ? model : override;
        ModelRequest request;
        try {
            request = renderer.request(
                    owner,
                    spec.getJudge(),
                    TemplateVariables.forJudge(s.templateVars(), s.source(), s.output()),
                    "judge:" + owner);
        } catch (TemplateException e) {
            return CompletableFuture.completedFuture(
                    new Outcome(Optional.of(new CheckFailure(ItemReason.TEMPLATE_ERROR, e.getMessage())), null));
        }
        return target.call(request).thenApply(reply -> {
            Optional<Double> value = readScore(reply.text());
            if (value.isEmpty()) {
                return new Outcome(Optional.of(new CheckFailure(REASON, "no score in the judge's reply")), null);
            }
            if (value.get() < threshold) {
                return new Outcome(
                        Optional.of(new CheckFailure(
                                REASON, "score " + value.get() + " < " + threshold, value.get(), threshold)),
                        value.get());
            }
            return new Outcome(Optional.empty(), value.get());
        });
    }

    /** The lowest passing score. */
    public double threshold() {
        return threshold;
    }

    Optional<Double> readScore(String reply) {
        Matcher m = score.matcher(reply);
        if (!m.find()) {
            return Optional.empty();
        }
        String g = m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
        try {
            return Optional.of(Double.parseDouble(g.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
