package io.palimpsest.worker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.storage.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads committed output or rejects files back as JSON records. */
public final class Outputs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Outputs() {}

    public static List<JsonNode> read(Storage storage, String key) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                Compression.ofFileName(key).decompress(storage.open(key)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                records.add(JSON.readTree(line));
            }
        }
        return records;
    }

    public static List<String> ids(Storage storage, String key) throws IOException {
        return read(storage, key).stream().map(r -> r.path("id").asText()).toList();
    }
}
