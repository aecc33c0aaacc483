package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files judged by all of their records, whichever shards (item ranges) and threads read their parts. */
class FilesWithoutDocumentsTest {

    @TempDir
    Path tmp;

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1024 * 1024);

    @Test
    void aFileWhoseDocumentIsInAnotherRangeIsNotRefusedWhicheverRangeIsAddedFirst() {
        for (boolean documentFirst : new boolean[] {true, false}) {
            FilesWithoutDocuments files = new FilesWithoutDocuments(readers);
            FilesWithoutDocuments.ShardTally bad = files.reading();
            for (int line = 1; line <= 150; line++) {
                bad.take(malformed("big.jsonl", line));
            }
            FilesWithoutDocuments.ShardTally good = files.reading();
            good.take(malformed("big.jsonl", 151));
            good.take(new Document("d", "text", null, new SourcePosition("big.jsonl", 152)));
            if (documentFirst) {
                good.done();
                bad.done();
            } else {
                bad.done();
                good.done();
            }
            assertDoesNotThrow(() -> files.refuse(Set.of(), new FileStorage(tmp)));
        }
    }

    @Test
    void theRangesOfAFileWithoutDocumentsAreCountedTogetherFromItsFirstLine() {
        FilesWithoutDocuments files = new FilesWithoutDocuments(readers);
        FilesWithoutDocuments.ShardTally second = files.reading();
        second.take(malformed("log.jsonl", 3));
        second.done();
        FilesWithoutDocuments.ShardTally first = files.reading();
        first.take(malformed("log.jsonl", 1));
        first.take(malformed("log.jsonl", 2));
        first.done();

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> files.refuse(Set.of(), new FileStorage(tmp)));

        assertTrue(
                refused.getMessage()
                        .contains("none of the 3 lines of " + new FileStorage(tmp).describe("log.jsonl")
                                + " could be read as a document: 3 malformed_json (first at line 1: bad 1)"),
                refused.getMessage());
        assertDoesNotThrow(
                () -> files.refuse(Set.of("log.jsonl"), new FileStorage(tmp)), "an unread file is not judged");
    }

    @Test
    void threeFilesAreNamedInKeyOrderAndTheRestCounted() {
        FilesWithoutDocuments files = new FilesWithoutDocuments(readers);
        FilesWithoutDocuments.ShardTally tally = files.reading();
        for (String file : new String[] {"d.jsonl", "c.jsonl", "b.jsonl", "a.jsonl"}) {
            tally.take(malformed(file, 1));
        }
        tally.done();

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> files.refuse(Set.of(), new FileStorage(tmp)));

        String c = "none of the 1 lines of " + new FileStorage(tmp).describe("c.jsonl");
        assertTrue(
                refused.getMessage().startsWith("4 input file(s) hold records and no document: "),
                refused.getMessage());
        assertTrue(
                refused.getMessage()
                        .contains(c + " could be read as a document: 1 malformed_json (first at line 1:"
                                + " bad 1); and 1 more. "),
                refused.getMessage());
        assertFalse(refused.getMessage().contains("d.jsonl"), refused.getMessage());
    }

    private static UnusableItem malformed(String file, long line) {
        return new UnusableItem(new SourcePosition(file, line), null, ItemReason.MALFORMED_JSON, "bad " + line);
    }
}
