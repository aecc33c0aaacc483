package io.palimpsest.worker.manifests;

import io.palimpsest.api.lint.YamlLines;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Puts the file and line of the manifest field a refusal is about before it, in lint's words
 * ({@code job.yaml:23: spec.recipe.preFilters[1].when: ...}), so an editor or terminal can jump there.
 * Which field comes with the refusal ({@link InvalidJobException#fields()}, {@link InvalidJobException#about()}),
 * never from its words; the line comes from the manifest's own {@link YamlLines}, the index lint reads
 * positions from. A RewriterModel's fields are looked up in the model's file, which may be another than the job's.
 */
final class RefusalLines {

    /** Where one manifest came from; null lines when it was not read from a manifest file. */
    record Source(Path file, YamlLines lines) {}

    private final Source job;
    private final Source model;
    /** Fields whose value the command line gave instead of the file: they have no line to show. */
    private final Collection<ManifestField> overridden;

    RefusalLines(Source job, Source model, Collection<ManifestField> overridden) {
        this.job = job;
        this.model = model;
        this.overridden = overridden;
    }

    InvalidJobException locate(InvalidJobException refusal) {
        if (refusal.fields().isEmpty()) {
            return located(refusal.getMessage(), refusal.about())
                    .map(InvalidJobException::new)
                    .orElse(refusal);
        }
        List<String> located = new ArrayList<>();
        boolean any = false;
        for (InvalidJobException.Field f : refusal.fields()) {
            Optional<String> at = lineOf(ManifestField.job(f.path()), f.lineInValue());
            if (at.isPresent()) {
                located.add(at.get() + ": " + f);
                any = true;
            } else {
                located.add(f.toString()); // a field the operator fills in: the manifest has no line for it
            }
        }
        if (!any) {
            return refusal;
        }
        if (located.size() == 1) {
            return new InvalidJobException(located.get(0));
        }
        // one a line, as lint and the manifests' check list several problems
        return new InvalidJobException(
                located.size() + " problem(s) in " + job.file() + ":\n" + String.join("\n", located));
    }

    /**
     * {@code message} after the file and line of the first of {@code about} a manifest file writes, with the
     * field's path put first when the words do not start with it, as lint writes a problem; empty when none is
     * written in a file.
     */
    Optional<String> located(String message, List<ManifestField> about) {
        for (ManifestField field : about) {
            Optional<String> at = lineOf(field, 0);
            if (at.isPresent()) {
                String text = String.valueOf(message);
                return Optional.of(at.get() + ": "
                        + (text.startsWith(field.path() + " ") || text.startsWith(field.path() + ":")
                                ? text
                                : field.path() + ": " + text));
            }
        }
        return Optional.empty();
    }

    /** {@code file:line} of a field the file itself writes (not only a field enclosing it). */
    private Optional<String> lineOf(ManifestField field, int lineInValue) {
        Source source = field.manifest() == ManifestField.Manifest.REWRITER_MODEL ? model : job;
        if (source == null
                || source.lines() == null
                || !source.lines().has(field.path())
                || overridden.contains(field)) {
            return Optional.empty();
        }
        return Optional.of(source.file() + ":" + source.lines().lineOf(field.path(), lineInValue));
    }
}
