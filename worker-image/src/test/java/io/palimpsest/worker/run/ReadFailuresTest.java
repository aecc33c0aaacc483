package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.Zstd;
import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.FailingReads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a shard's reading calls a corrupt file (exit 42, and the planner's refusal of the plan): bytes its reader cannot
 * decode, in the reader's words, and nothing else. A failure of the store, declared or not, is a failure of reading.
 */
class ReadFailuresTest {

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);

    @TempDir
    Path dir;

    @Test
    void anUncheckedFailureOfTheStoreIsNotCalledCorrupt() throws IOException {
        Path plain = dir.resolve("a.jsonl");
        Corpus.writeJsonl(plain, "a", 500);
        byte[] lines = Files.readAllBytes(plain);
        Files.write(dir.resolve("b.jsonl.gz"), compressed(lines, GZIPOutputStream::new));
        for (String key : List.of("a.jsonl", "b.jsonl.gz")) {
            IllegalStateException storeFailure = new IllegalStateException("connection pool shut down");
            Storage store = new FailingReads(dir, Files.size(dir.resolve(key)) / 2, storeFailure);

            RuntimeException thrown = assertThrows(RuntimeException.class, () -> readAll(store, key));

            assertSame(storeFailure, thrown, key);
        }
    }

    @Test
    void aZstdFileCutShortIsCorruptInTheReadersWords() throws IOException {
        Path plain = dir.resolve("source.jsonl");
        Corpus.writeJsonl(plain, "z", 2_000);
        byte[] whole = Zstd.compress(Files.readAllBytes(plain));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        Files.write(dir.resolve("cut.jsonl.zst"), cut);

        CorruptFileException e =
                assertThrows(CorruptFileException.class, () -> readAll(new FileStorage(dir), "cut.jsonl.zst"));

        assertEquals("zstd frame truncated at byte " + cut.length + ": the file ends inside it", e.problem());
        assertEquals(
                "input file " + new FileStorage(dir).describe("cut.jsonl.zst") + " is corrupt: " + e.problem(),
                e.getMessage());
    }

    private void readAll(Storage storage, String key) throws IOException {
        long bytes = Files.size(dir.resolve(key));
        try (ShardInput items = new ShardInput(storage, new Shard(0, List.of(new ShardFile(key, bytes))), readers)) {
            while (items.next() != null) {
                // to the end
            }
        }
    }

    private interface Compressor {
        OutputStream over(OutputStream out) throws IOException;
    }

    private static byte[] compressed(byte[] content, Compressor compressor) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = compressor.over(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }
}
