package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.JsonlWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part being filled: one local compressed file per stream (each variant, and the rejects).
 * Every stream gets a file even when empty, so each committed shard has every dataset's file.
 */
final class PartBuilder implements AutoCloseable {

    private final Map<String, JsonlWriter> writers = new LinkedHashMap<>();
    private final Map<String, Path> files = new LinkedHashMap<>();
    final ItemCounts counts = new ItemCounts();

    PartBuilder(ObjectMapper json, Path tempDir, List<String> streams, Compression compression) throws IOException {
        for (String stream : streams) {
            Path file = Files.createTempFile(tempDir, "part-" + stream + "-", ".tmp");
            files.put(stream, file);
            writers.put(stream, new JsonlWriter(json, file, compression));
        }
    }

    void write(String stream, ObjectNode record) throws IOException {
        JsonlWriter writer = writers.get(stream);
        if (writer == null) {
            throw new IllegalStateException(
                    "processor produced a record for unknown variant '" + stream + "'; declared: " + writers.keySet());
        }
        writer.write(record);
    }

    Map<String, JsonlWriter> finish() throws IOException {
        for (JsonlWriter writer : writers.values()) {
            writer.close();
        }
        return writers;
    }

    Path file(String stream) {
        return files.get(stream);
    }

    @Override
    public void close() throws IOException {
        for (JsonlWriter writer : writers.values()) {
            writer.close();
        }
        for (Path file : files.values()) {
            Files.deleteIfExists(file);
        }
    }
}
