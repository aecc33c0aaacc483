package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlRecordsTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aCompressedFileIsReadRecordByRecordPassingOverBlankLines(@TempDir Path dir) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("out.jsonl.gz")))) {
            out.write("{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        List<JsonNode> records = new ArrayList<>();
        JsonlRecords.each(new FileStorage(dir), "out.jsonl.gz", json, records::add);
        assertEquals(
                List.of("a", "b"),
                records.stream().map(r -> r.path("id").asText()).toList());
    }

    @Test
    void aLineThatIsNotJsonStopsTheReadNamingTheFileAndTheLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("rejects.jsonl"), "{\"id\":\"a\"}\n\n{\"id\": tr\n");
        List<JsonNode> records = new ArrayList<>();
        IOException e = assertThrows(
                IOException.class, () -> JsonlRecords.each(new FileStorage(dir), "rejects.jsonl", json, records::add));
        assertTrue(e.getMessage().contains("rejects.jsonl line 3 is not JSON"), e.getMessage());
        assertEquals(1, records.size());
    }
}
