package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file none of whose first items is a document fails its shard as bad data (exit 42) rather than
 * being committed as rejects; a file with documents among bad lines is read to its end.
 */
class UnreadableFileStartTest {

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);

    @TempDir
    Path dir;

    @Test
    void aFileWhoseFirstHundredRecordsLackTheTextFieldFailsTheShardAfterTheGoodFileBeforeIt() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 5);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            lines.append("{\"id\":\"b").append(i).append("\",\"body\":\"words\"}\n");
        }
        Files.writeString(dir.resolve("b.jsonl"), lines.toString());
        List<InputItem> read = new ArrayList<>();

        ShardDataException e = assertThrows(ShardDataException.class, () -> readAll(read, "a.jsonl", "b.jsonl"));

        assertEquals(
                "spec.input.textField 'text' is in none of the first 100 records of "
                        + new FileStorage(dir).describe("b.jsonl") + " (their fields: id, body)",
                e.getMessage());
        assertEquals(5 + 99, read.size(), "the good file's documents, then the bad file's items up to the 100th");
    }

    @Test
    void aShortFileOfOnlyBadLinesFailsAtItsEnd() throws IOException {
        Files.writeString(dir.resolve("c.jsonl"), "\"one\"\n\n\"two\"\n");

        ShardDataException e = assertThrows(ShardDataException.class, () -> readAll(new ArrayList<>(), "c.jsonl"));

        assertEquals(
                "none of the 3 lines of " + new FileStorage(dir).describe("c.jsonl")
                        + " could be read as a document: 2 not_an_object, 1 blank_line (first at line 1: record is not a JSON object)",
                e.getMessage());
    }

    @Test
    void oneDocumentAmongTheFirstHundredLinesIsEnoughToReadTheFile() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 250; i++) {
            lines.append(i == 60 ? "{\"id\":\"good\",\"text\":\"a document\"}\n" : "{\"id\":\"x" + i + "\",\n");
        }
        Files.writeString(dir.resolve("d.jsonl"), lines.toString());
        List<InputItem> read = new ArrayList<>();

        readAll(read, "d.jsonl");

        assertEquals(250, read.size());
        assertInstanceOf(Document.class, read.get(60));
    }

    @Test
    void blankLinesAndEmptyTextsAloneAreNotAFailure() throws IOException {
        Files.writeString(dir.resolve("e.jsonl"), "\n".repeat(50) + "{\"id\":\"e\",\"text\":\" \"}\n".repeat(60));
        List<InputItem> read = new ArrayList<>();

        readAll(read, "e.jsonl");

        assertEquals(110, read.size());
    }

    /**
     * An item range of a cut file starts at some line of the file: the failure names the range's lines it read, not
     * "the first 100 lines" of the file, which hold documents.
     */
    @Test
    void aRangeOfBadLinesIsNamedByItsLinesNotAsTheFilesFirst() throws IOException {
        Corpus.writeJsonl(dir.resolve("r.jsonl"), "r", 300);
        Files.writeString(dir.resolve("r.jsonl"), "not JSON\n".repeat(300), StandardOpenOption.APPEND);
        String file = new FileStorage(dir).describe("r.jsonl");

        ShardDataException first100 =
                assertThrows(ShardDataException.class, () -> readRange(new ShardFile("r.jsonl", 4_000, 200L, 300L)));
        ShardDataException whole =
                assertThrows(ShardDataException.class, () -> readRange(new ShardFile("r.jsonl", 1_000, 50L, 300L)));

        assertTrue(
                first100.getMessage()
                        .startsWith("none of lines 301 to 400 of " + file + " (the first 100 of this shard's item"
                                + " range) could be read as a document: 100 malformed_json (first at line 301: "),
                first100.getMessage());
        assertTrue(
                whole.getMessage()
                        .startsWith("none of lines 301 to 350 of " + file + " (all 50 of this shard's item range)"
                                + " could be read as a document: 50 malformed_json (first at line 301: "),
                whole.getMessage());
    }

    private void readRange(ShardFile range) throws IOException {
        try (ShardInput items = new ShardInput(new FileStorage(dir), new Shard(0, List.of(range)), readers)) {
            while (items.next() != null) {
                // to the failure
            }
        }
    }

    private void readAll(List<InputItem> read, String... keys) throws IOException {
        List<ShardFile> files = Arrays.stream(keys)
                .map(k -> new ShardFile(k, dir.resolve(k).toFile().length()))
                .toList();
        try (ShardInput items = new ShardInput(new FileStorage(dir), new Shard(0, files), readers)) {
            InputItem item;
            while ((item = items.next()) != null) {
                read.add(item);
            }
        }
    }
}
