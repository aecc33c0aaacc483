package io.palimpsest.worker.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The job as written cannot run, and running it again will not change that: manifests that fail
 * the CRD's checks, input that matches nothing, a plan with no shards, a recipe that differs from
 * the one the output was made with, a template that does not compile. The process exits with
 * {@link io.palimpsest.api.worker.ExitCodes#INVALID_JOB} before any model call or commit; on a
 * cluster the planner's Job then fails at once and the RewriteJob ends PlanningFailed with this message.
 */
public class InvalidJobException extends IllegalArgumentException {

    /**
     * One field of the job the refusal is about, so that a run from manifest files can say at which line.
     *
     * @param path        the field's path in the RewriteJob ({@code spec.recipe.preFilters[1].when})
     * @param lineInValue the line within the field's value (a template's line) where that is known, else 0
     * @param message     what is wrong there
     */
    public record Field(String path, int lineInValue, String message) {
        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    private final List<Field> fields;

    private final List<ManifestField> about;

    public InvalidJobException(String message) {
        this(message, List.of());
    }

    /**
     * A refusal of the whole job that is about {@code field} of a manifest: its words may name the field
     * ({@code spec.input.uri file://x does not exist}), but where it is comes from here, not from them.
     */
    public InvalidJobException(ManifestField field, String message) {
        this(message, List.of(field));
    }

    /**
     * As {@link #InvalidJobException(ManifestField, String)}, about the first of {@code fields} the manifest
     * writes (a field left to its default is named by the next one, such as a model's name for the name it
     * serves).
     */
    public InvalidJobException(String message, List<ManifestField> about) {
        super(message);
        this.fields = List.of();
        this.about = List.copyOf(about);
    }

    /** A refusal of these fields; its message is theirs, joined as a status message shows them. */
    public InvalidJobException(List<Field> fields) {
        super(fields.stream().map(Field::toString).collect(Collectors.joining("; ")));
        this.fields = List.copyOf(fields);
        this.about = List.of();
    }

    /** The fields refused, each with its own words; empty when the refusal was made of words only. */
    public List<Field> fields() {
        return fields;
    }

    /** The manifest field(s) a refusal of words alone is about, in order of preference; empty when none is. */
    public List<ManifestField> about() {
        return about;
    }
}
