package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads a committed JSON-lines file (an output stream, a rejects file, a retry round's input) record by record,
 * decompressed as its name says; blank lines are passed over. A line that is not JSON stops the read naming the file
 * and the line: what this team wrote and committed is read back, so such a line is damage, not a record to skip.
 */
public final class JsonlRecords {

    /** What is done with each record. */
    @FunctionalInterface
    public interface Sink {
        void accept(JsonNode record) throws IOException;
    }

    private JsonlRecords() {}

    public static void each(Storage storage, String key, ObjectMapper json, Sink sink) throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                Compression.ofFileName(key).decompress(storage.open(key)), StandardCharsets.UTF_8))) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = json.readTree(line);
                } catch (IOException e) {
                    throw new IOException(
                            storage.describe(key) + " line " + number + " is not JSON: " + e.getMessage(), e);
                }
                sink.accept(record);
            }
        }
    }
}
