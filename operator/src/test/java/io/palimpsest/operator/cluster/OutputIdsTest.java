package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputIdsTest {

    @TempDir
    Path out;

    @Test
    void aDocumentCountsOnceInTheOutputOrTheRejectsAndTheInternalFilesNotAtAll() throws Exception {
        write("wiki/part-0.jsonl", "{\"id\":\"r1\",\"provenance\":{\"sourceId\":\"a\"}}", "{\"id\":\"b\"}");
        write("wiki/part-1.jsonl", "{\"id\":\"r2\",\"provenance\":{\"sourceId\":\"c\"}}");
        // c rejected as well as written: twice; d only rejected: there
        write(
                "_palimpsest/rejects/shard-00000.jsonl",
                "{\"id\":\"c\",\"reason\":\"validator\"}",
                "{\"id\":\"d\",\"reason\":\"too_long\"}");
        // the duplicate-id lists and checkpoints name ids too, and are not documents
        write("_palimpsest/duplicates/x/shard-00001.jsonl", "{\"id\":\"e\"}");

        OutputIds ids = OutputIds.of(out, List.of("a", "b", "c", "d", "e"));

        assertEquals(List.of("e"), ids.lost());
        assertEquals(List.of("c"), ids.duplicated());
    }

    private void write(String path, String... lines) throws Exception {
        Path f = out.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, String.join("\n", lines) + "\n");
    }
}
