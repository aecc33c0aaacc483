package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.util.Optional;

/**
 * The input a plan was cut from, kept at {@code <output>/_palimpsest/input.json} beside the
 * manifest (whose file keys are relative to this input): with it an output names its own sources,
 * so {@code palimpsest show} joins outputs to their source documents without the manifests and
 * without {@code keepOriginal}. {@code uri} is as the job resolved it (a local run's relative
 * {@code file://} made absolute); credentials are never stored, only where to find the data.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlannedInput(String uri, String format, String textField, String idField) {

    public static final String KEY = "_palimpsest/input.json";

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
}
