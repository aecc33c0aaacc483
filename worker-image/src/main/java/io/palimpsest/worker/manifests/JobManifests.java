package io.palimpsest.worker.manifests;

import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.lint.YamlLines;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads what a worker runs: either the operator's resolved job ({@code job.yaml} from the ConfigMap), or
 * the manifests a user would {@code kubectl apply} (a RewriteJob and its RewriterModel, in one file or in
 * a folder of YAML files). Manifests are first checked as the API server would ({@code palimpsest lint}),
 * then resolved by the same {@link JobResolver} the operator uses.
 */
public final class JobManifests {

    /**
     * The manifests found at {@code path}, with the file each came from (for relative paths and messages) and,
     * for manifests (not an operator's resolved job), the line of each of their fields.
     *
     * @param jobLines   the RewriteJob manifest's field lines; null for an operator's resolved job
     * @param modelFile  the file the RewriterModel came from; null when there is none
     * @param modelLines its field lines; null when there is none
     */
    public record Loaded(
            ResolvedJob job,
            Path jobFile,
            RewriterModel model,
            YamlLines jobLines,
            Path modelFile,
            YamlLines modelLines) {
        /**
         * The refusal with the file and line of the manifest field it is about put before it, as lint writes a
         * problem ({@code job.yaml:23: spec.recipe.preFilters[1].when: ...}); as it is when it is about no field
         * a manifest file writes (a field the operator fills in, or a job not read from manifests).
         */
        public InvalidJobException located(InvalidJobException refusal) {
            return located(refusal, List.of());
        }

        /** As {@link #located(InvalidJobException)}, but not at the fields the command line gave instead of the file. */
        public InvalidJobException located(InvalidJobException refusal, List<ManifestField> overridden) {
            return lines(overridden).locate(refusal);
        }

        /**
         * {@code message} (a refusal that is not the job's as written: the model's, at its first call) with the file
         * and line of the first of {@code about} a manifest file writes before it; as it is when none is.
         */
        public String located(String message, List<ManifestField> about, List<ManifestField> overridden) {
            return lines(overridden).located(message, about).orElse(message);
        }

        private RefusalLines lines(List<ManifestField> overridden) {
            return new RefusalLines(
                    new RefusalLines.Source(jobFile, jobLines),
                    modelFile == null ? null : new RefusalLines.Source(modelFile, modelLines),
                    overridden);
        }
    }

    public Loaded load(Path path) throws IOException {
        return load(path, true);
    }

    /**
     * @param modelRequired false where only the recipe matters (auditing pairs with {@code validate}):
     *                      a modelRef that names no RewriterModel among the manifests is then no problem
     */
    public Loaded load(Path path, boolean modelRequired) throws IOException {
        return load(List.of(path), modelRequired);
    }

    /** Several files or folders, read as one set of manifests. */
    public Loaded load(List<Path> paths, boolean modelRequired) throws IOException {
        String path = named(paths);
        ManifestLinter.Result lint;
        try {
            lint = new ManifestLinter(RecipeCheck.compiler()).lint(paths);
        } catch (NoSuchFileException e) {
            throw new InvalidJobException(e.getMessage());
        }
        if (lint.resolvedJob() != null && lint.jobs().isEmpty()) {
            return new Loaded(lint.resolvedJob().object(), lint.resolvedJob().file(), null, null, null, null);
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
            throw new InvalidJobException(holdsNo(paths, "RewriteJob manifest (and no resolved job.yaml)", lint));
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
                model == null ? null : model.object(),
                found.lines(),
                model == null ? null : model.file(),
                model == null ? null : model.lines());
    }

    /**
     * "{@code x} holds no {@code what}", with what it holds instead: no YAML file at all, or documents
     * of other kinds, by file and line.
     */
    public static String holdsNo(List<Path> paths, String what, ManifestLinter.Result lint) throws IOException {
        String message = named(paths) + (paths.size() == 1 ? " holds no " : " hold no ") + what;
        if (ManifestLinter.yamlFiles(paths).isEmpty()) {
            return message + ": no .yaml or .yml file";
        }
        if (lint.others().isEmpty()) {
            return message;
        }
        return message + ":\n"
                + String.join("\n", lint.others().stream().map(Object::toString).toList());
    }

    private static String named(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }

    /** What the operator would put in the ConfigMap for this job and model (its default settings). */
    static ResolvedJob resolve(RewriteJob job, RewriterModel model) {
        return JobResolver.resolve(job, model, JobResolver.Settings.defaults());
    }
}
