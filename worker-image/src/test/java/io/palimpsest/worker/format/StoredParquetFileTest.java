package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The requests a Parquet file read by ranges costs, counted at the store: one for a count from a footer shorter than
 * the tail read, two for a longer one; a file of small row groups is read in far fewer requests than reads (each
 * request asks for at least {@link StoredParquetFile#MIN_READ_BYTES}); and the rows are those of the local file.
 */
class StoredParquetFileTest {

    @TempDir
    Path dir;

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message doc { required binary id (STRING); required binary text (STRING); optional int64 n; }");

    @Test
    void aCountFromAShortFooterIsOneRequestForTheTail() throws IOException {
        write(dir.resolve("a.parquet"), 3_000, 16 * 1024);
        Counting store = new Counting(new FileStorage(dir));

        try (ParquetReader reader = new ParquetReader(
                "a.parquet", StoredParquetFile.open(store, "a.parquet", null), decoder(), 1 << 20, Long.MAX_VALUE)) {
            assertEquals(3_000, reader.itemsLeft(Long.MAX_VALUE));
        }

        assertEquals(List.of("tail"), store.kinds(Files.size(dir.resolve("a.parquet"))), String.valueOf(store.ranges));
    }

    @Test
    void aFooterLongerThanTheTailTakesOneMoreRequestAndTheRowsAreTheLocalFilesRows() throws IOException {
        Path file = dir.resolve("b.parquet");
        write(file, 12_000, 1024);
        long footer = footerLength(file);
        assertTrue(footer > StoredParquetFile.TAIL_BYTES, "a footer longer than the tail: " + footer);
        Counting store = new Counting(new FileStorage(dir));

        List<String> ranged;
        try (ParquetReader reader = new ParquetReader(
                "b.parquet", StoredParquetFile.open(store, "b.parquet", null), decoder(), 1 << 20, Long.MAX_VALUE)) {
            assertEquals(2, store.ranges.size(), "the tail, then the rest of the footer: " + store.ranges);
            ranged = items(reader);
        }
        List<String> local;
        try (ParquetReader reader = new ParquetReader("b.parquet", file, decoder(), 1 << 20, Long.MAX_VALUE)) {
            local = items(reader);
        }

        assertEquals(12_000, local.size());
        assertEquals(local, ranged);
        int rowGroups = rowGroups(file);
        assertTrue(
                store.ranges.size() < rowGroups / 2,
                "row groups of a few KB read " + StoredParquetFile.MIN_READ_BYTES + " bytes at a time: "
                        + store.ranges.size() + " requests for " + rowGroups + " row groups");
    }

    private static RecordDecoder decoder() {
        return new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id"));
    }

    private static List<String> items(ParquetReader reader) throws IOException {
        List<String> out = new ArrayList<>();
        InputItem item;
        while ((item = reader.next()) != null) {
            Document d = (Document) item;
            out.add(d.position() + " " + d.id() + " " + d.text() + " " + d.metadata());
        }
        return out;
    }

    /** {@code rows} short rows in row groups of about {@code rowGroupBytes}. */
    private static void write(Path file, int rows, long rowGroupBytes) throws IOException {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(SCHEMA)
                .withRowGroupSize(rowGroupBytes)
                .withPageSize(1024)
                .withMinRowCountForPageSizeCheck(1)
                .withMaxRowCountForPageSizeCheck(10)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
            for (int i = 0; i < rows; i++) {
                Group row = groups.newGroup().append("id", "doc-" + i).append("text", "text of row " + i);
                if (i % 3 != 0) {
                    row.append("n", (long) i);
                }
                writer.write(row);
            }
        }
    }

    private static long footerLength(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int at = bytes.length - 8;
        return (bytes[at] & 0xffL)
                | (bytes[at + 1] & 0xffL) << 8
                | (bytes[at + 2] & 0xffL) << 16
                | (bytes[at + 3] & 0xffL) << 24;
    }

    private static int rowGroups(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            return reader.getRowGroups().size();
        }
    }

    /** A store that remembers the ranges asked of it. */
    private static final class Counting implements Storage {
        private final Storage store;
        /** The ranges asked for, as "start-end" (end exclusive). */
        final List<String> ranges = new ArrayList<>();

        Counting(Storage store) {
            this.store = store;
        }

        /** Each range as "tail" (it ends at the file's end) or "part". */
        List<String> kinds(long length) {
            return ranges.stream()
                    .map(r -> r.endsWith("-" + length) ? "tail" : "part")
                    .toList();
        }

        @Override
        public InputStream openRange(String key, long start, long endExclusive) throws IOException {
            ranges.add(start + "-" + endExclusive);
            return store.openRange(key, start, endExclusive);
        }

        @Override
        public String describe() {
            return store.describe();
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            return store.list(prefix);
        }

        @Override
        public StoredObject stat(String key) throws IOException {
            return store.stat(key);
        }

        @Override
        public InputStream open(String key) throws IOException {
            throw new AssertionError("the whole file read: " + key);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return store.exists(key);
        }

        @Override
        public void put(String key, Path localFile) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void put(String key, byte[] content) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean createIfAbsent(String key, byte[] content) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void concatenate(List<String> partKeys, String targetKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String key) {
            throw new UnsupportedOperationException();
        }
    }
}
