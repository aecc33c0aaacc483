package io.palimpsest.worker.recipe.validate;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.text.BlankText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one entry point to output validation, used by the recipe engine after every call and by
 * offline validation of existing (source, output) pairs. An empty output always fails
 * (empty_output); then the model-free checks run in the recipe's order, and judges last, so no
 * judge call is spent on an output a cheap check already rejects.
 */
public final class Validators {
    private final List<OutputCheck> checks;
    private final List<JudgeCheck> judges;

    private Validators(List<OutputCheck> checks, List<JudgeCheck> judges) {
        this.checks = List.copyOf(checks);
        this.judges = List.copyOf(judges);
    }

    public static Validators none() {
        return new Validators(List.of(), List.of());
    }

    /**
     * @param judgeModel where judge calls go; empty when there is no model (offline validation),
     *                   in which case a judge validator is an error
     * @param owner      for error messages: "variant qa"
     */
    public static Validators of(
            List<ValidatorSpec> specs, Optional<ModelCall> judgeModel, PromptRenderer renderer, String owner) {
        List<OutputCheck> checks = new ArrayList<>();
        List<JudgeCheck> judges = new ArrayList<>();
        // A reply cut at max_tokens is never a success; a recipe may only widen the margin.
        if (specs == null || specs.stream().noneMatch(s -> s.getType() == ValidatorSpec.Type.truncation)) {
            checks.add(new TruncationCheck(0));
        }
        if (specs != null) {
            for (int i = 0; i < specs.size(); i++) {
                ValidatorSpec s = specs.get(i);
                String where = owner + " validators[" + i + "]";
                if (s.getType() == null) {
                    throw new RecipeException(where + ": type is required");
                }
                if (s.getType() == ValidatorSpec.Type.judge) {
                    judges.add(new JudgeCheck(
                            s,
                            judgeModel.orElseThrow(
                                    () -> new RecipeException(where + ": a judge needs a model to call")),
                            renderer.judging(),
                            owner));
                } else {
                    // Bounds are refused where a job is admitted (RecipeCheck: lint, local, the planner), not
                    // here: a campaign planned before a bound was refused runs on after an upgrade as it began.
                    checks.add(local(s));
                }
            }
        }
        return new Validators(checks, judges);
    }

    /**
     * Compiles one validator as {@link #of} does (a judge's template and score pattern included), for
     * a check that names each validator's own problem.
     */
    public static void check(ValidatorSpec s, ModelCall judgeModel, PromptRenderer renderer, String where) {
        if (s.getType() == null) {
            throw new RecipeException(where + ": type is required");
        }
        if (s.getType() == ValidatorSpec.Type.judge) {
            new JudgeCheck(s, judgeModel, renderer.judging(), where);
        } else {
            bounds(s, where);
            local(s);
        }
    }

    /** A bound of a validator that no output can meet or miss, or a score pattern that misreads, on its field. */
    public static final class BadBound extends RecipeException {
        private final String field;
        private final String problem;

        BadBound(String where, String field, String problem) {
            super(where + ": " + field + ": " + problem);
            this.field = field;
            this.problem = problem;
        }

        /** The validator's field: min, max, threshold or scorePattern. */
        public String field() {
            return field;
        }

        /** What is wrong with the field's value, without where it is. */
        public String problem() {
            return problem;
        }
    }

    /**
     * Refuses a negative length, length ratio or share: no output has one, so a negative lower bound
     * checks nothing and a negative upper bound or threshold rejects every output, the same for every
     * document. So do an echo threshold of 0 (every output is at least that similar) and a min above
     * its max. (A judge's scale is the recipe's to choose; its min may be negative.)
     *
     * @throws BadBound naming the field
     */
    public static void bounds(ValidatorSpec s, String where) {
        String what;
        List<String> fields;
        switch (s.getType()) {
            case lengthRatio -> {
                what = "a length ratio (output words / source words)";
                fields = List.of("min", "max");
            }
            case length -> {
                what = "a length in words";
                fields = List.of("min", "max");
            }
            case echo -> {
                what = "a similarity (0 to 1)";
                fields = List.of("threshold");
            }
            case repetition -> {
                what = "a share of repeated n-grams (0 to 1)";
                fields = List.of("threshold");
            }
            default -> {
                return;
            }
        }
        for (String field : fields) {
            Double value =
                    switch (field) {
                        case "min" -> s.getMin();
                        case "max" -> s.getMax();
                        default -> s.getThreshold();
                    };
            // an echo is a similarity at or above the threshold: 0 or less makes every output one
            boolean echo = s.getType() == ValidatorSpec.Type.echo;
            if (value != null && value < 0) {
                throw new BadBound(
                        where,
                        field,
                        fmt(value) + " is negative, and " + what + " never is: "
                                + (field.equals("min")
                                        ? "the bound would check nothing"
                                        : "every output would be rejected")
                                + (echo ? "; use more than 0" : "; use 0 or more"));
            }
            if (echo && value != null && value == 0) {
                throw new BadBound(
                        where,
                        field,
                        "0: every output has a similarity of 0 or more, so every output would be rejected as an"
                                + " echo; use more than 0");
            }
        }
        if (fields.contains("max") && s.getMin() != null && s.getMax() != null && s.getMin() > s.getMax()) {
            throw new BadBound(
                    where,
                    "min",
                    fmt(s.getMin()) + " is above max " + fmt(s.getMax()) + ": no " + what.replaceFirst("^an? ", "")
                            + " lies between them, so every output would be rejected");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    static OutputCheck local(ValidatorSpec s) {
        return switch (s.getType()) {
            case truncation -> new TruncationCheck(s.getMargin() == null ? 0 : s.getMargin());
            case lengthRatio -> new LengthRatioCheck(s.getMin(), s.getMax());
            case length -> new LengthCheck(s.getMin(), s.getMax());
            case repetition ->
                new RepetitionCheck(s.getThreshold() == null ? RepetitionCheck.DEFAULT_THRESHOLD : s.getThreshold());
            case refusal -> new RefusalCheck();
            case echo -> new EchoCheck(s.getThreshold() == null ? EchoCheck.DEFAULT_THRESHOLD : s.getThreshold());
            case language -> new LanguageCheck(s.getLanguage());
            case compiles -> new CompilesCheck();
            case facts ->
                new FactsCheck(
                        s.getMinRecall() == null ? FactsCheck.DEFAULT_MIN_RECALL : s.getMinRecall(),
                        s.getMinPrecision() == null ? FactsCheck.DEFAULT_MIN_PRECISION : s.getMinPrecision());
            case judge -> throw new IllegalArgumentException("judge is not a local check");
        };
    }

    /** Both lists joined: the recipe's validators, then the variant's own. */
    public static List<ValidatorSpec> concat(List<ValidatorSpec> a, List<ValidatorSpec> b) {
        List<ValidatorSpec> all = new ArrayList<>();
        if (a != null) {
            all.addAll(a);
        }
        if (b != null) {
            all.addAll(b);
        }
        return all;
    }

    /** Model-free checks only, synchronously. */
    public Optional<CheckFailure> checkLocal(ValidationSubject s) {
        if (s.output() == null || BlankText.isBlank(s.output())) {
            return Optional.of(new CheckFailure(ItemReason.EMPTY_OUTPUT, "no text after post-processing"));
        }
        for (OutputCheck c : checks) {
            Optional<CheckFailure> r = c.check(s);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    /**
     * The truncation gate alone (the recipe's, or the always-on one): for a reply that is acted on
     * rather than kept, such as a program, whose cut can only be seen in the reply itself.
     */
    public Optional<CheckFailure> checkTruncation(ValidationSubject s) {
        for (OutputCheck c : checks) {
            if (c instanceof TruncationCheck) {
                Optional<CheckFailure> r = c.check(s);
                if (r.isPresent()) {
                    return r;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Every failing model-free check, in order, for audits that want each validator's answer
     * (an empty output fails empty_output alone: nothing else can be judged on it).
     */
    public List<CheckFailure> checkAllLocal(ValidationSubject s) {
        if (s.output() == null || BlankText.isBlank(s.output())) {
            return List.of(new CheckFailure(ItemReason.EMPTY_OUTPUT, "no text after post-processing"));
        }
        List<CheckFailure> all = new ArrayList<>();
        for (OutputCheck c : checks) {
            c.check(s).ifPresent(all::add);
        }
        return all;
    }

    public CompletionStage<Verdict> validate(ValidationSubject s) {
        return validate(s, null);
    }

    /**
     * @param judgeModel the model judge calls go to for this subject (the engine passes one that
     *                   counts tokens per document); null for the one given at construction
     */
    public CompletionStage<Verdict> validate(ValidationSubject s, ModelCall judgeModel) {
        Optional<CheckFailure> local = checkLocal(s);
        if (local.isPresent()) {
            return CompletableFuture.completedFuture(new Verdict(local, null));
        }
        CompletionStage<Verdict> chain = CompletableFuture.completedFuture(Verdict.PASS);
        for (JudgeCheck judge : judges) {
            chain = chain.thenCompose(v -> v.passed()
                    ? judge.judge(s, judgeModel).thenApply(o -> new Verdict(o.rejection(), o.score()))
                    : CompletableFuture.completedFuture(v));
        }
        return chain;
    }

    /**
     * Every validator's answer behind {@code verdict} (which {@link #validate} gave for {@code s}),
     * with measured values, for reports. Local checks are recomputed (they are pure); a check after
     * the one that rejected, and a judge that was not called, are {@link CheckVerdict#NOT_RUN}.
     */
    public List<CheckVerdict> explain(ValidationSubject s, Verdict verdict) {
        List<CheckVerdict> all = new ArrayList<>();
        if (s.output() == null || BlankText.isBlank(s.output())) {
            all.add(new CheckVerdict(
                    ItemReason.EMPTY_OUTPUT.code(),
                    CheckVerdict.FAIL,
                    null,
                    null,
                    null,
                    "no text after post-processing"));
            return all;
        }
        boolean rejected = false;
        for (OutputCheck c : checks) {
            Measure m = c.measure(s);
            Double value = m == null ? null : m.value();
            Double min = m == null ? null : m.min();
            Double max = m == null ? null : m.max();
            if (rejected) {
                all.add(new CheckVerdict(c.reason().code(), CheckVerdict.NOT_RUN, value, min, max, null));
                continue;
            }
            Optional<CheckFailure> r = c.check(s);
            if (r.isPresent()) {
                rejected = true;
                all.add(new CheckVerdict(
                        r.get().reason().code(),
                        CheckVerdict.FAIL,
                        value != null ? value : r.get().measured(),
                        min,
                        max != null || min != null ? max : r.get().limit(),
                        r.get().detail()));
            } else {
                all.add(new CheckVerdict(
                        c.reason().code(), CheckVerdict.PASS, value, min, max, m == null ? null : m.note()));
            }
        }
        for (int i = 0; i < judges.size(); i++) {
            JudgeCheck judge = judges.get(i);
            boolean last = i == judges.size() - 1;
            if (rejected) {
                all.add(new CheckVerdict(
                        JudgeCheck.REASON.code(), CheckVerdict.NOT_RUN, null, judge.threshold(), null, null));
            } else if (verdict.rejection().isPresent()) {
                // the first judge that failed ended the chain; its rejection carries its score
                CheckFailure r = verdict.rejection().get();
                all.add(new CheckVerdict(
                        r.reason().code(), CheckVerdict.FAIL, r.measured(), judge.threshold(), null, r.detail()));
                rejected = true;
            } else {
                all.add(new CheckVerdict(
                        JudgeCheck.REASON.code(),
                        CheckVerdict.PASS,
                        last ? verdict.judgeScore() : null,
                        judge.threshold(),
                        null,
                        null));
            }
        }
        return all;
    }
}
