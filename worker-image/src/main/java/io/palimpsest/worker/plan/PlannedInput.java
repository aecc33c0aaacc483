package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The input a plan was cut from, kept at {@code <output>/_palimpsest/input.json} beside the
 * manifest (whose file keys are relative to this input): with it an output names its own sources,
 * so {@code palimpsest show} joins outputs to their source documents without the manifests and
 * without {@code keepOriginal}. {@code uri} is as the job resolved it (a local run's relative
 * {@code file://} made absolute); credentials are never stored, only where to find the data.
 * It is also how the campaign reads its input: every plan and run compares it with the job
 * ({@link #changesTo}), since shards committed under one {@code idField} or {@code textField} and
 * shards run under another would deduplicate by other ids or rewrite another field. {@code include}
 * and {@code exclude} are null in records written before they were kept (then not compared).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlannedInput(
        String uri, String format, String textField, String idField, List<String> include, List<String> exclude) {

    public static final String KEY = "_palimpsest/input.json";

    public PlannedInput(String uri, String format, String textField, String idField) {
        this(uri, format, textField, idField, null, null);
    }

    /** The input as the job reads it. */
    public static PlannedInput of(RewriteJobSpec.Input in) {
        return new PlannedInput(
                in.getUri(),
                in.getFormat() == null ? null : in.getFormat().name(),
                in.getTextField(),
                in.getIdField(),
                in.getInclude() == null ? List.of() : List.copyOf(in.getInclude()),
                in.getExclude() == null ? List.of() : List.copyOf(in.getExclude()));
    }

    /**
     * Records the input: replaces the record when the manifest was just written (a new plan), else
     * keeps the one there (the manifest in force was cut from it).
     */
    public void record(Storage output, boolean planWritten, ObjectMapper json) throws IOException {
        byte[] content = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        if (!output.createIfAbsent(KEY, content) && planWritten) {
            output.put(KEY, content);
        }
    }

    /** The record, or empty for outputs planned before it existed. */
    public static Optional<PlannedInput> read(Storage output, ObjectMapper json) throws IOException {
        if (!output.exists(KEY)) {
            return Optional.empty();
        }
        return Optional.of(json.readValue(output.readAll(KEY), PlannedInput.class));
    }

    /**
     * How {@code job} reads the input differently from this record, one {@code input.<field> 'old' ->
     * 'new'} per field, or an empty list. A field this record lacks (an older record) is not compared.
     */
    public List<String> changesTo(PlannedInput job) {
        return changes(job).stream().map(Change::said).toList();
    }

    /** The RewriteJob fields {@link #changesTo} names, in the same order, for a refusal to be placed at. */
    public List<ManifestField> fieldsChangedIn(PlannedInput job) {
        return changes(job).stream()
                .map(c -> ManifestField.job("spec.input." + c.field()))
                .toList();
    }

    /** One field read otherwise: which, and how it is said. */
    private record Change(String field, String said) {}

    private List<Change> changes(PlannedInput job) {
        List<Change> changes = new ArrayList<>();
        if (uri != null && !Objects.equals(withoutSlash(uri), withoutSlash(job.uri))) {
            changes.add(change("uri", uri, job.uri));
        }
        compare(changes, "format", format == null ? "auto" : format, job.format == null ? "auto" : job.format);
        compare(changes, "textField", textField, job.textField);
        compare(changes, "idField", idField, job.idField);
        compare(changes, "include", include, job.include);
        compare(changes, "exclude", exclude, job.exclude);
        return changes;
    }

    private static void compare(List<Change> changes, String field, Object recorded, Object now) {
        if (recorded != null && !Objects.equals(recorded, now)) {
            changes.add(change(field, recorded, now));
        }
    }

    private static Change change(String field, Object recorded, Object now) {
        return new Change(field, "input." + field + " " + shown(recorded) + " -> " + shown(now));
    }

    private static String shown(Object value) {
        return value == null ? "(unset)" : value instanceof String s ? "'" + s + "'" : value.toString();
    }

    private static String withoutSlash(String uri) {
        return uri == null ? null : uri.replaceAll("/+$", "");
    }

    /**
     * Refuses a job that reads the input otherwise than the output's record says, once work under
     * that record exists; {@code where} is the output, for the message.
     */
    public static String refusal(String where, List<String> changes) {
        return drift(where, changes) + ": set the field back, or write to a new output";
    }

    /** How the job reads the input otherwise than the output's record, without what to do about it. */
    public static String drift(String where, List<String> changes) {
        return "input drift: " + where + " was planned and run reading the input otherwise than this job ("
                + String.join("; ", changes) + "); its committed and checkpointed shards were made that way, and"
                + " shards made the new way beside them would pair outputs with other source fields or"
                + " deduplicate by other ids";
    }
}
