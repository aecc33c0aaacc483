package io.palimpsest.worker.manifests;

import io.palimpsest.api.lint.YamlLines;
import io.palimpsest.worker.config.InvalidJobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts the file and line of the RewriteJob field a refusal names before it, in lint's words
 * ({@code job.yaml:23: spec.recipe.preFilters[1].when: ...}), so an editor or terminal can jump there.
 * The line comes from the manifest's own {@link YamlLines}, the index lint reads positions from.
 */
final class RefusalLines {

    /**
     * The field path a refusal made of words alone starts with ({@code spec.input.uri file://x does not
     * exist}): the plan's refusals of the input and output name their field first, as a status shows them.
     */
    private static final Pattern LEADING_FIELD = Pattern.compile("^(spec(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[\\d+])+)[: ]");

    private RefusalLines() {}

    /** @param overridden fields whose value the command line gave instead of the file: they have no line to show */
    static InvalidJobException locate(
            InvalidJobException refusal, Path file, YamlLines lines, Collection<String> overridden) {
        Predicate<String> written = field -> lines.has(field) && !overridden.contains(field);
        if (refusal.fields().isEmpty()) {
            Matcher field = LEADING_FIELD.matcher(String.valueOf(refusal.getMessage()));
            if (!field.find() || !written.test(field.group(1))) {
                return refusal;
            }
            return new InvalidJobException(file + ":" + lines.lineOf(field.group(1)) + ": " + refusal.getMessage());
        }
        List<String> located = new ArrayList<>();
        boolean any = false;
        for (InvalidJobException.Field f : refusal.fields()) {
            if (written.test(f.path())) {
                located.add(file + ":" + lines.lineOf(f.path(), f.lineInValue()) + ": " + f);
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
        return new InvalidJobException(located.size() + " problem(s) in " + file + ":\n" + String.join("\n", located));
    }
}
