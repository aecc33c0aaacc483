package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A preview reads a shard as the plan's worker does: a file whose first lines are no document but which holds one
 * further on is sampled with those lines as rejects (the planner vouches for it), and a file with no document at all
 * fails as its worker would.
 */
class DocumentSamplerStartTest {

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);

    @TempDir
    Path dir;

    @Test
    void aFileWhoseFirstDocumentIsItsLine151IsSampledWithItsBadLinesAsRejects() throws IOException {
        Files.writeString(
                dir.resolve("late.jsonl"),
                "this line is not JSON\n".repeat(150) + "{\"id\":\"late\",\"text\":\"A document after them.\"}\n");

        DocumentSampler.Sample sample =
                new DocumentSampler(new FileStorage(dir), readers).draw(List.of(shard("late.jsonl")), 200, 1);

        assertEquals(151, sample.itemsInReadShards(), "every line read");
        assertEquals(151, sample.items().size(), "a sample larger than the file draws each line");
        assertTrue(
                sample.items().stream()
                        .anyMatch(d ->
                                d.item() instanceof Document doc && doc.id().equals("late")),
                sample.items().toString());
    }

    @Test
    void aFileWithNoDocumentFailsThePreviewAsItsWorkerWould() throws IOException {
        Files.writeString(dir.resolve("none.jsonl"), "this line is not JSON\n".repeat(150));

        ShardDataException e =
                assertThrows(ShardDataException.class, () -> new DocumentSampler(new FileStorage(dir), readers)
                        .draw(List.of(shard("none.jsonl")), 5, 1));

        // the preview read all of the file, not a worker's first 100 lines: its words say so
        assertTrue(
                e.getMessage()
                        .startsWith("none of the 150 lines of " + new FileStorage(dir).describe("none.jsonl")
                                + " could be read as a document: 150 malformed_json"),
                e.getMessage());
    }

    private Shard shard(String key) throws IOException {
        return new Shard(0, List.of(new ShardFile(key, Files.size(dir.resolve(key)))));
    }
}
