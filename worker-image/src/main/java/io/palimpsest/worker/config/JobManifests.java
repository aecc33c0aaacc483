package io.palimpsest.worker.config;

import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads what a worker runs: either the operator's resolved job ({@code job.yaml} from the ConfigMap), or
 * the manifests a user would {@code kubectl apply} (a RewriteJob and its RewriterModel, in one file or in
 * a folder of YAML files). Manifests are first checked as the API server would ({@code palimpsest lint}),
 * then resolved by the same {@link JobResolver} the operator uses.
 */
public final class JobManifests {

    /** The manifests found at {@code path}, with the file each came from (for relative paths and messages). */
    public record Loaded(ResolvedJob job, Path jobFile, RewriterModel model) {}

    public Loaded load(Path path) throws IOException {
        return load(path, true);
    }

    /**
     * @param modelRequired false where only the recipe matters (auditing pairs with {@code validate}):
     *                      a modelRef that names no RewriterModel among the manifests is then no problem
     */
    public Loaded load(Path path, boolean modelRequired) throws IOException {
        ManifestLinter.Result lint;
        try {
            lint = new ManifestLinter(RecipeCheck.compiler()).lint(path);
        } catch (NoSuchFileException e) {
            throw new InvalidJobException(e.getMessage());
        }
        if (lint.resolvedJob() != null && lint.jobs().isEmpty()) {
            return new Loaded(lint.resolvedJob().object(), lint.resolvedJob().file(), null);
        }
        var problems = lint.problems().stream()
                .filter(p -> modelRequired
                        || !(ManifestLinter.MODEL_REF.equals(p.field())
                                && p.message().startsWith("names RewriterModel")))
                .toList();
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems.size() + " problem(s) in " + path + ":\n"
                    + String.join("\n", problems.stream().map(Object::toString).toList()));
        }
        if (lint.jobs().isEmpty()) {
            throw new InvalidJobException(path + " holds no RewriteJob manifest (and no resolved job.yaml)");
        }
        if (lint.jobs().size() > 1) {
            var second = lint.jobs().get(1);
            throw new InvalidJobException(second.file() + ":" + second.line() + ": a second RewriteJob ("
                    + second.object().getMetadata().getName() + "); give one job per folder or file");
        }
        var found = lint.jobs().get(0);
        var model = lint.modelOf(found.object());
        return new Loaded(
                resolve(found.object(), model == null ? null : model.object()),
                found.file(),
                model == null ? null : model.object());
    }

    /** What the operator would put in the ConfigMap for this job and model (its default settings). */
    static ResolvedJob resolve(RewriteJob job, RewriterModel model) {
        return JobResolver.resolve(job, model, JobResolver.Settings.defaults());
    }
}
