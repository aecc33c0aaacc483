package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.parse.ReplyParser;
import io.palimpsest.worker.recipe.post.PostResult;
import io.palimpsest.worker.recipe.post.ReplyCleaner;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import io.palimpsest.worker.recipe.validate.Validators;
import io.palimpsest.worker.recipe.validate.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Runs the chained stages in order, each on the whole document; a stage's parsed reply becomes
 * stages.&lt;name&gt; for the stages after it and for every variant (MAGA's pairs, SGCR's review).
 */
final class StageRunner {
    /** Why a stage stopped the document. */
    record StageFailure(String stage, ItemReason reason, String detail, String output) {}

    /** @param renderer checks this stage's templates against the stages before it */
    private record Compiled(
            Stage stage, String owner, PromptRenderer renderer, ReplyCleaner cleaner, Validators validators) {}

    private final List<Compiled> stages = new ArrayList<>();
    private final TokenCounter tokens;

    StageRunner(Recipe recipe, ModelCall model, PromptRenderer renderer, TokenCounter tokens) {
        this.tokens = tokens;
        if (recipe.getStages() != null) {
            for (int i = 0; i < recipe.getStages().size(); i++) {
                Stage s = recipe.getStages().get(i);
                String owner = "stage " + s.getName();
                PromptRenderer scoped = renderer.scoped(TemplateScope.ofStage(recipe, i));
                scoped.check(owner, s);
                InputBudget.check(owner, s, recipe.getChunking(), false, scoped, tokens);
                stages.add(new Compiled(
                        s,
                        owner,
                        scoped,
                        new ReplyCleaner(null, s.getPostProcess(), owner),
                        Validators.of(s.getValidators(), Optional.of(model), scoped, owner)));
            }
        }
    }

    /** Fills run.stages; completes with the first failure, or empty when all stages succeeded. */
    CompletionStage<Optional<StageFailure>> run(DocumentRun run) {
        CompletionStage<Optional<StageFailure>> chain = CompletableFuture.completedFuture(Optional.empty());
        boolean paidBefore = false;
        for (Compiled c : stages) {
            boolean afterCalls = paidBefore;
            chain = chain.thenCompose(
                    failed -> failed.isPresent() ? CompletableFuture.completedFuture(failed) : one(run, c, afterCalls));
            paidBefore |= c.stage().getRender() == null;
        }
        return chain;
    }

    /** @param afterCalls whether an earlier stage of this document called the model (and was paid) */
    private CompletionStage<Optional<StageFailure>> one(DocumentRun run, Compiled c, boolean afterCalls) {
        String name = c.stage().getName();
        Map<String, Object> vars = TemplateVariables.of(
                run.doc,
                run.doc.text(),
                List.of(),
                run.stages,
                Map.of(),
                Map.of("id", run.doc.id() + "#0", "index", 0, "count", 1));
        if (c.stage().getRender() != null) {
            try {
                String rendered = c.renderer().renderText(c.owner(), c.stage(), vars);
                return CompletableFuture.completedFuture(store(run, c, rendered));
            } catch (TemplateException e) {
                return CompletableFuture.completedFuture(templateFailure(name, e));
            }
        }
        ModelRequest request;
        try {
            request = c.renderer().request(c.owner(), c.stage(), vars, "stage:" + name);
        } catch (TemplateException e) {
            return CompletableFuture.completedFuture(templateFailure(name, e));
        }
        Integer maxInput = c.stage().getMaxInputTokens();
        if (maxInput != null) {
            int input = request.promptTokens(tokens);
            if (input > maxInput) {
                String detail = input + " input tokens > " + maxInput;
                return CompletableFuture.completedFuture(Optional.of(
                        afterCalls
                                ? new StageFailure(
                                        name,
                                        ItemReason.INPUT_TOO_LONG_AFTER_CALLS,
                                        detail + ", after the document's earlier stages were paid",
                                        null)
                                : new StageFailure(name, ItemReason.INPUT_TOO_LONG, detail, null)));
            }
        }
        return run.call(request)
                .thenCompose(reply -> {
                    PostResult cleaned = c.cleaner().clean(reply.text());
                    if (!cleaned.ok()) {
                        return CompletableFuture.completedFuture(
                                Optional.of(new StageFailure(name, cleaned.failure(), cleaned.detail(), reply.text())));
                    }
                    Integer maxTokens = c.stage().getSampling() == null
                            ? null
                            : c.stage().getSampling().getMaxTokens();
                    ValidationSubject subject = new ValidationSubject(
                            run.doc.text(),
                            cleaned.text(),
                            reply.finishReason(),
                            reply.completionTokens(),
                            maxTokens,
                            vars);
                    return c.validators()
                            .validate(subject, run.counted())
                            .thenApply(v -> traced(run, c, subject, v).passed()
                                    ? store(run, c, cleaned.text())
                                    : Optional.of(new StageFailure(
                                            name,
                                            v.rejection().get().reason(),
                                            v.rejection().get().detail(),
                                            cleaned.text())));
                })
                .exceptionally(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof ModelCallRejected r) {
                        return Optional.of(new StageFailure(name, ItemReason.MODEL_REJECTED, r.getMessage(), null));
                    }
                    throw e instanceof CompletionException ce ? ce : new CompletionException(cause);
                });
    }

    /**
     * A rendering that failed: on a key an earlier stage's reply lacks ({@code parse_error}), else the
     * template's fault; the stage is not run. The detail is prefixed with the stage's name already.
     */
    private static Optional<StageFailure> templateFailure(String name, TemplateException e) {
        return Optional.of(new StageFailure(name, e.reason(), e.located(), null));
    }

    /** Records every validator's answer when a preview traces the document; returns the verdict unchanged. */
    private static Verdict traced(DocumentRun run, Compiled c, ValidationSubject subject, Verdict v) {
        if (run.trace != null) {
            run.trace.validation(new DocumentTrace.Validation(
                    "stage:" + c.stage().getName(),
                    run.doc.id() + "#0",
                    Map.of(),
                    c.validators().explain(subject, v)));
        }
        return v;
    }

    private static Optional<StageFailure> store(DocumentRun run, Compiled c, String text) {
        Optional<Object> parsed = ReplyParser.parse(c.stage().getParse(), text);
        if (parsed.isEmpty()) {
            return Optional.of(new StageFailure(
                    c.stage().getName(),
                    ItemReason.PARSE_ERROR,
                    "reply is not " + c.stage().getParse(),
                    text));
        }
        run.stages.put(c.stage().getName(), parsed.get());
        return Optional.empty();
    }
}
