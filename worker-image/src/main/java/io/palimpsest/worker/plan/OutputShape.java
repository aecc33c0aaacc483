package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.format.Compression;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of {@code spec.output} that shape what is committed: {@code keepOriginal} (whether each record holds
 * its {@code source}) and {@code compression} (how every data file is encoded and the extension it is named with).
 * An output is made one way: a shard is the concatenation of its checkpoint parts, so a part of another compression
 * would corrupt it and one without {@code source} would leave it half without; and the campaign's shards would no
 * longer read alike. The output's {@code recipe.json} and every part marker record them ({@code "output"}).
 *
 * <p>{@code uri} is where the output is, not what it holds; {@code credentialsSecretRef} is how it is reached. Neither
 * is here.
 *
 * <p>A field is null where it is not known: a marker or part marker of an earlier version, which recorded neither. An
 * unknown field of the output's marker is not compared (the next plan records it): refusing it would refuse every
 * campaign started before the field, and taking it as its default would refuse every one started with
 * {@code keepOriginal: true} or another compression, though neither changed. A part marker without it is not resumed
 * by an attempt that knows its own ({@link io.palimpsest.worker.run.CheckpointStore#madeOtherwise}): redoing a part
 * costs its documents again, resuming one made otherwise would commit a shard made two ways.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OutputShape(Boolean keepOriginal, String compression) {

    /** The field of the recorded marker and of each part marker that holds it. */
    public static final String FIELD = "output";

    /** One setting that differs: its manifest path, the recorded value and this job's. */
    public record Change(String path, Object recorded, Object job) {
        @Override
        public String toString() {
            return path + " " + recorded + " -> " + job;
        }
    }

    /** The job's settings, defaults filled in as the worker applies them (keepOriginal false, compression zstd). */
    public static OutputShape of(RewriteJobSpec.Output output) {
        boolean keep = output != null && Boolean.TRUE.equals(output.getKeepOriginal());
        String compression = output == null || output.getCompression() == null
                ? null
                : output.getCompression().name();
        return new OutputShape(keep, nameOf(Compression.ofSetting(compression)));
    }

    /** The settings a marker records under {@link #FIELD}; null when it records none (an earlier version's). */
    public static OutputShape in(JsonNode marker) {
        JsonNode node = marker == null ? null : marker.get(FIELD);
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode keep = node.get("keepOriginal");
        JsonNode compression = node.get("compression");
        return new OutputShape(
                keep == null || !keep.isBoolean() ? null : keep.asBoolean(),
                compression == null || compression.isNull() ? null : compression.asText());
    }

    /**
     * How {@code job} differs from these recorded settings, field by field; a field either side does not know is not
     * compared.
     */
    public List<Change> changesTo(OutputShape job) {
        List<Change> changes = new ArrayList<>();
        if (job == null) {
            return changes;
        }
        if (keepOriginal != null && job.keepOriginal != null && !keepOriginal.equals(job.keepOriginal)) {
            changes.add(new Change("spec.output.keepOriginal", keepOriginal, job.keepOriginal));
        }
        if (compression != null && job.compression != null && !compression.equals(job.compression)) {
            changes.add(new Change("spec.output.compression", compression, job.compression));
        }
        return changes;
    }

    /** Whether this records every field {@code job} knows, with the same values (a marker that needs no update). */
    public boolean covers(OutputShape job) {
        return job == null
                || ((job.keepOriginal == null || Objects.equals(keepOriginal, job.keepOriginal))
                        && (job.compression == null || Objects.equals(compression, job.compression)));
    }

    /** The manifest fields the changes are about, then {@code spec.output}, whose line a default's change has. */
    public static List<ManifestField> fieldsOf(List<Change> changes) {
        List<ManifestField> about = new ArrayList<>();
        changes.forEach(c -> about.add(ManifestField.job(c.path())));
        about.add(ManifestField.job("spec.output"));
        return about;
    }

    /** "spec.output.keepOriginal false -> true; spec.output.compression zstd -> gzip". */
    public static String said(List<Change> changes) {
        return String.join("; ", changes.stream().map(Change::toString).toList());
    }

    private static String nameOf(Compression compression) {
        return compression.name().toLowerCase(Locale.ROOT);
    }
}
