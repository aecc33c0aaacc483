package io.palimpsest.worker.validate;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.post.PostResult;
import io.palimpsest.worker.recipe.post.ReplyCleaner;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.validate.CheckFailure;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which gates judge a pair: the recipe's validators and the variant's own, built by the
 * recipe engine's {@link Validators} (the code {@code palimpsest run} uses; here every failing
 * validator is reported, not only the first), plus a residue gate for each cleaning step of the recipe:
 * an output that still holds what the step removes ("Sure! Here's...", a think block) was never
 * cleaned. With {@code allValidators}, every model-free validator type the recipe leaves out is
 * added with its default settings.
 *
 * <p>Judges need a model, and {@code validate} calls none: they are listed as skipped.
 */
public final class RecipeGates {
    /**
     * Defaults for --all-validators. lengthRatio [0.5, 2.0]: a rewrite keeps its source's content,
     * so under half the words means content was lost, and over twice means padding or a loop;
     * recipes that condense on purpose (distill, knowledge lists) set their own bounds.
     * compiles is left out (prose does not compile) and length has no meaningful default.
     */
    static final double DEFAULT_MIN_RATIO = 0.5;

    static final double DEFAULT_MAX_RATIO = 2.0;
    private static final Set<ValidatorSpec.Type> DEFAULT_TYPES = EnumSet.of(
            ValidatorSpec.Type.truncation,
            ValidatorSpec.Type.lengthRatio,
            ValidatorSpec.Type.repetition,
            ValidatorSpec.Type.refusal,
            ValidatorSpec.Type.echo,
            ValidatorSpec.Type.language);
    private static final Set<PostStep.Type> DEFAULT_RESIDUES =
            EnumSet.of(PostStep.Type.stripPreamble, PostStep.Type.stripReasoning);

    private final QualityGates common;
    private final Map<String, QualityGates> byVariant;
    private final List<String> skipped;

    private RecipeGates(QualityGates common, Map<String, QualityGates> byVariant, List<String> skipped) {
        this.common = common;
        this.byVariant = byVariant;
        this.skipped = skipped;
    }

    /**
     * @param variant the variant whose validators apply to pairs that name none; null: the recipe's
     *                only variant, or, with several, the recipe-level validators alone
     */
    public static RecipeGates of(Recipe recipe, boolean allValidators, String variant) {
        List<PromptVariant> variants = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        Set<String> skipped = new LinkedHashSet<>();
        Map<String, QualityGates> byVariant = new LinkedHashMap<>();
        for (PromptVariant v : variants) {
            byVariant.put(v.getName(), gates(recipe, v, allValidators, skipped));
        }
        QualityGates common;
        if (variant != null) {
            common = byVariant.get(variant);
            if (common == null) {
                throw new IllegalArgumentException(
                        "the recipe has no prompt variant '" + variant + "'; it has " + byVariant.keySet());
            }
        } else if (variants.size() == 1) {
            common = byVariant.values().iterator().next();
        } else {
            common = gates(recipe, null, allValidators, skipped);
        }
        return new RecipeGates(common, byVariant, List.copyOf(skipped));
    }

    /** The gates for a pair: its own variant's when it names a known one, else the common ones. */
    public QualityGates forVariant(String variant) {
        if (variant != null) {
            QualityGates own = byVariant.get(variant);
            if (own != null) {
                return own;
            }
        }
        return common;
    }

    /** Names of every gate that can fire, for the report. */
    public List<String> names() {
        Set<String> all = new LinkedHashSet<>(common.names());
        byVariant.values().forEach(g -> all.addAll(g.names()));
        return List.copyOf(all);
    }

    /** Validators not run, with why. */
    public List<String> skipped() {
        return skipped;
    }

    private static QualityGates gates(
            Recipe recipe, PromptVariant variant, boolean allValidators, Set<String> skipped) {
        String owner = variant == null ? "recipe" : "variant " + variant.getName();
        List<ValidatorSpec> specs =
                Validators.concat(recipe.getValidators(), variant == null ? null : variant.getValidators());
        List<PostStep> steps = new ArrayList<>();
        if (recipe.getPostProcess() != null) {
            steps.addAll(recipe.getPostProcess());
        }
        if (variant != null && variant.getPostProcess() != null) {
            steps.addAll(variant.getPostProcess());
        }
        if (allValidators) {
            specs = withDefaults(specs);
            steps = withDefaultResidues(steps);
        }
        List<ValidatorSpec> local = new ArrayList<>();
        List<ItemReason> reasons = new ArrayList<>();
        // palimpsest run always checks truncation, named in the recipe or not; Validators adds it first.
        if (specs.stream().noneMatch(s -> s.getType() == ValidatorSpec.Type.truncation)) {
            reasons.add(ItemReason.TRUNCATION);
        }
        for (int i = 0; i < specs.size(); i++) {
            ValidatorSpec spec = specs.get(i);
            if (spec.getType() == ValidatorSpec.Type.judge) {
                skipped.add(owner + " validators[" + i + "] judge: needs a model; validate calls none");
                continue;
            }
            local.add(spec);
            if (spec.getType() != null) {
                reasons.add(ItemReason.ofValidator(spec.getType()));
            }
        }
        Validators validators = Validators.of(local, Optional.empty(), new PromptRenderer(), owner);
        List<QualityGates.Gate> residues = new ArrayList<>();
        for (PostStep step : steps) {
            residueGate(step, owner).ifPresent(residues::add);
        }
        return new QualityGates(validators, reasons, residues);
    }

    static List<ValidatorSpec> withDefaults(List<ValidatorSpec> specs) {
        List<ValidatorSpec> all = new ArrayList<>(specs);
        Set<ValidatorSpec.Type> present = EnumSet.noneOf(ValidatorSpec.Type.class);
        specs.forEach(s -> {
            if (s.getType() != null) {
                present.add(s.getType());
            }
        });
        for (ValidatorSpec.Type type : DEFAULT_TYPES) {
            if (!present.contains(type)) {
                ValidatorSpec s = new ValidatorSpec();
                s.setType(type);
                if (type == ValidatorSpec.Type.lengthRatio) {
                    s.setMin(DEFAULT_MIN_RATIO);
                    s.setMax(DEFAULT_MAX_RATIO);
                }
                if (type == ValidatorSpec.Type.truncation) {
                    all.add(0, s); // first, as palimpsest run checks it
                } else {
                    all.add(s);
                }
            }
        }
        return all;
    }

    private static List<PostStep> withDefaultResidues(List<PostStep> steps) {
        List<PostStep> all = new ArrayList<>(steps);
        for (PostStep.Type type : DEFAULT_RESIDUES) {
            if (steps.stream().noneMatch(s -> s.getType() == type)) {
                PostStep s = new PostStep();
                s.setType(type);
                all.add(s);
            }
        }
        return all;
    }

    /**
     * A cleaning step turned into a check with the engine's own cleaner: if running the step alone
     * changes the output, the output still holds what the step exists to remove.
     */
    private static Optional<QualityGates.Gate> residueGate(PostStep step, String owner) {
        if (step.getType() == null) {
            return Optional.empty();
        }
        ItemReason reason =
                switch (step.getType()) {
                    case stripPreamble -> ItemReason.PREAMBLE;
                    case stripReasoning -> ItemReason.REASONING;
                    case stripMarkdown -> ItemReason.MARKDOWN;
                    case stripPattern -> ItemReason.STRIP_PATTERN;
                    // A processed output has lost its sentinel and code fences by design; appending is not cleaning.
                    case stripSentinel, extractCode, appendToOriginal -> null;
                };
        if (reason == null) {
            return Optional.empty();
        }
        ReplyCleaner cleaner = new ReplyCleaner(List.of(step), null, owner);
        return Optional.of(new QualityGates.Gate(reason, subject -> residue(cleaner, reason, subject)));
    }

    private static Optional<CheckFailure> residue(ReplyCleaner cleaner, ItemReason reason, ValidationSubject subject) {
        String output = subject.output().strip();
        PostResult cleaned = cleaner.clean(output);
        if (!cleaned.ok() || cleaned.text().equals(output)) {
            return Optional.empty();
        }
        return Optional.of(new CheckFailure(reason, "removes \"" + removedPart(output, cleaned.text()) + "\""));
    }

    /** What the step took out (the part between what both texts share at each end), shortened for the verdict. */
    static String removedPart(String before, String after) {
        int prefix = 0;
        int max = Math.min(before.length(), after.length());
        while (prefix < max && before.charAt(prefix) == after.charAt(prefix)) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < max - prefix
                && before.charAt(before.length() - 1 - suffix) == after.charAt(after.length() - 1 - suffix)) {
            suffix++;
        }
        String removed =
                before.substring(prefix, before.length() - suffix).strip().replaceAll("\\s+", " ");
        return removed.length() > 80 ? removed.substring(0, 77) + "..." : removed;
    }
}
