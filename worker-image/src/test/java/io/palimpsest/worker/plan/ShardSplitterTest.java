package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardSplitterTest {

    @TempDir
    Path dir;

    private static final Map<String, Long> ITEMS =
            Map.of("big.jsonl", 100L, "mid.jsonl", 30L, "small.jsonl", 10L, "empty.jsonl", 0L);

    private static JobPlanner.ItemCounter counted(Map<String, Long> items) {
        return (key, atMost) -> {
            Long n = items.get(key);
            if (n == null) {
                throw new NoSuchFileException(key);
            }
            return Math.min(n, atMost);
        };
    }

    private static Shard shard(int index, ShardFile... files) {
        return new Shard(index, List.of(files));
    }

    @Test
    void theBoundIsAQuarterOfOneWorkersShare() {
        // table: total bytes, fleet workers -> most bytes a shard keeps whole
        long[][] table = {
            {1_000, 10, 25},
            {1_001, 10, 26},
            {100, 64, 1},
            {0, 4, 1},
            {20_623, 64, 81},
        };
        for (long[] row : table) {
            assertEquals(row[2], ShardSplitter.maxBytes(row[0], (int) row[1]), "total " + row[0] + ", fleet " + row[1]);
        }
    }

    @Test
    void aShardLongForTheFleetBecomesNearEqualItemRangesAndTheOthersStayWhole() throws IOException {
        // 1,200 bytes for 2 workers: at most 150 bytes a shard; big.jsonl (1,000 bytes, 100 items) becomes 7 ranges
        List<Shard> shards = List.of(
                shard(0, new ShardFile("big.jsonl", 1_000)),
                shard(1, new ShardFile("mid.jsonl", 150)),
                shard(2, new ShardFile("small.jsonl", 50)));
        List<Shard> split = ShardSplitter.split(shards, 2, counted(ITEMS), 1);
        assertEquals(9, split.size());
        List<ShardFile> ranges = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            assertEquals(i, split.get(i).index());
            assertEquals(1, split.get(i).files().size());
            ranges.add(split.get(i).files().get(0));
        }
        assertEquals(
                List.of(0L, 14L, 28L, 42L, 57L, 71L, 85L),
                ranges.stream().map(ShardFile::firstItem).toList());
        assertEquals(
                List.of(14L, 14L, 14L, 15L, 14L, 14L, 15L),
                ranges.stream().map(ShardFile::maxItems).toList());
        assertEquals(
                List.of(140L, 140L, 140L, 150L, 140L, 140L, 150L),
                ranges.stream().map(ShardFile::bytes).toList());
        assertEquals(List.of(new ShardFile("mid.jsonl", 150)), split.get(7).files());
        assertEquals(List.of(new ShardFile("small.jsonl", 50)), split.get(8).files());
        // numbered largest first afterwards: the ranges and the file of their size first, the small file last
        List<Shard> ordered = ShardPlanner.largestFirst(split);
        assertEquals(
                List.of(150L, 150L, 150L, 140L, 140L, 140L, 140L, 140L, 50L),
                ordered.stream().map(Shard::bytes).toList());
        assertEquals(
                List.of(42L, 85L),
                List.of(
                        ordered.get(0).files().get(0).firstItem(),
                        ordered.get(1).files().get(0).firstItem()));
        assertEquals("small.jsonl", ordered.get(8).files().get(0).key());
    }

    @Test
    void aShardOfSeveralFilesIsCutAcrossTheirBoundaries() throws IOException {
        // 140 items in 3 parts: [0,46) [46,93) [93,140) of big(100) + empty(0) + mid(30) + small(10), with input.limit
        // on small
        Shard packed = shard(
                0,
                new ShardFile("big.jsonl", 1_000),
                new ShardFile("empty.jsonl", 0),
                new ShardFile("mid.jsonl", 300),
                new ShardFile("small.jsonl", 100, 10L));
        List<List<ShardFile>> parts = ShardSplitter.cut(packed, 3, counted(ITEMS));
        assertEquals(List.of(new ShardFile("big.jsonl", 460, 46L, 0L)), parts.get(0));
        assertEquals(List.of(new ShardFile("big.jsonl", 470, 47L, 46L)), parts.get(1));
        assertEquals(
                List.of(
                        new ShardFile("big.jsonl", 70, 7L, 93L),
                        new ShardFile("empty.jsonl", 0),
                        new ShardFile("mid.jsonl", 300),
                        new ShardFile("small.jsonl", 100, 10L)),
                parts.get(2));
    }

    @Test
    void oneWorkerAShardItCannotCountAndAFileOfOneItemStayWhole() throws IOException {
        List<Shard> shards =
                List.of(shard(0, new ShardFile("big.jsonl", 1_000)), shard(1, new ShardFile("small.jsonl", 10)));
        assertSame(shards, ShardSplitter.split(shards, 1, counted(ITEMS)));
        assertNull(
                ShardSplitter.cut(shard(0, new ShardFile("gone.jsonl", 1_000)), 4, counted(ITEMS)),
                "unreadable: its worker says why");
        assertNull(ShardSplitter.cut(shard(0, new ShardFile("one.jsonl", 1_000)), 4, counted(Map.of("one.jsonl", 1L))));
        assertNull(
                ShardSplitter.cut(shard(0, new ShardFile("big.jsonl", 500, 50L, 50L)), 4, counted(ITEMS)),
                "already a range");
    }

    @Test
    void aShardKeptWholeForAFileItCannotCountSaysWhichFile() throws IOException {
        Logger log = Logger.getLogger(ShardSplitter.class.getName());
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getLevel() + " " + record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try {
            Shard unreadable = shard(0, new ShardFile("big.jsonl", 1_000), new ShardFile("gone.jsonl", 1_000));
            assertNull(ShardSplitter.cut(unreadable, 4, counted(ITEMS)), "kept whole");
            assertNull(ShardSplitter.cutHead(unreadable, 0.5, counted(ITEMS), 1), "kept whole");
        } finally {
            log.removeHandler(capture);
        }
        assertEquals(2, lines.size(), lines.toString());
        for (String line : lines) {
            assertTrue(
                    line.startsWith(
                            "WARNING gone.jsonl: cannot count its items (java.nio.file.NoSuchFileException: gone.jsonl)"),
                    line);
        }
    }

    @Test
    void theRangesOfAFileReadEveryItemOnceWithTheFilesOwnLineNumbersCompressedOrNot() throws IOException {
        Path in = dir.resolve("in");
        List<String> ids = Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 23);
        // a line no document can be made of is an item too: it keeps its place in the ranges
        String lines = Files.readString(in.resolve("a.jsonl")).replaceFirst("\\{\"id\":\"a-7\"[^\n]*", "not json");
        Files.writeString(in.resolve("a.jsonl"), lines);
        try (var gz = new GZIPOutputStream(Files.newOutputStream(in.resolve("b.jsonl.gz")))) {
            gz.write(lines.getBytes(StandardCharsets.UTF_8));
        }
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        FileStorage storage = new FileStorage(in);
        JobPlanner.ItemCounter counter = (key, atMost) -> {
            long n = 0;
            try (var reader = readers.open(storage, key)) {
                while (n < atMost && reader.next() != null) {
                    n++;
                }
            }
            return n;
        };
        for (String key : List.of("a.jsonl", "b.jsonl.gz")) {
            long size = Files.size(in.resolve(key));
            List<Shard> split = ShardSplitter.split(
                    List.of(shard(0, new ShardFile(key, size)), shard(1, new ShardFile("x", size * 5 / 3))),
                    2,
                    counter,
                    1);
            List<Shard> ranges = split.stream()
                    .filter(s -> s.files().get(0).key().equals(key))
                    .toList();
            assertEquals(3, ranges.size(), key);
            List<String> seen = new ArrayList<>();
            List<Long> lineNumbers = new ArrayList<>();
            long progress = 0;
            for (Shard range : ranges) {
                AtomicLong bytes = new AtomicLong();
                try (ShardInput items =
                        new ShardInput(storage, range, readers, RepeatedIds.inMemory(Map.of()), bytes::addAndGet)) {
                    InputItem item;
                    while ((item = items.next()) != null) {
                        seen.add(
                                item instanceof Document d
                                        ? d.id()
                                        : "unusable:"
                                                + ((UnusableItem) item)
                                                        .position()
                                                        .line());
                        lineNumbers.add(item.position().line());
                    }
                }
                assertEquals(range.bytes(), bytes.get(), "a range's progress is its own share of the file");
                progress += bytes.get();
            }
            List<String> expected = new ArrayList<>(ids);
            expected.set(7, "unusable:8");
            assertEquals(expected, seen, key);
            assertEquals(LongStream.rangeClosed(1, 23).boxed().toList(), lineNumbers, key);
            assertEquals(size, progress, 3.0, key);
        }
    }

    @Test
    void aRangeWhoseFileShrankSincePlanningFailsAsUnreadableDataInsteadOfCommittingLess() throws IOException {
        Path in = dir.resolve("shrunk");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 30);
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        FileStorage storage = new FileStorage(in);
        List<List<ShardFile>> ranges = ShardSplitter.cut(
                shard(0, new ShardFile("a.jsonl", Files.size(in.resolve("a.jsonl")))),
                3,
                counted(Map.of("a.jsonl", 30L)));
        assertEquals(
                List.of(0L, 10L, 20L),
                ranges.stream().map(r -> r.get(0).firstItem()).toList());
        // the file is written again with 15 lines: the second range ends early, the third starts past the end
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 15);
        assertEquals(10, readAll(storage, readers, ranges.get(0)), "the first range is still whole");
        for (int i = 1; i < 3; i++) {
            List<ShardFile> range = ranges.get(i);
            ShardDataException e = assertThrows(ShardDataException.class, () -> readAll(storage, readers, range));
            assertTrue(
                    e.getMessage().contains("a.jsonl ends after 15 items")
                            && e.getMessage().contains("changed since it was planned"),
                    e.getMessage());
        }
    }

    /**
     * The ranges of a Parquet file of several row groups read its rows once each, numbered as a whole-file read numbers
     * them, and a range passes over the row groups before it unread: the first row group damaged, only the range that
     * holds it fails. A file shorter than planned fails the ranges it no longer holds, counting its rows.
     */
    @Test
    void theRangesOfAParquetFilePassOverTheRowGroupsBeforeThemUnread() throws IOException {
        Path in = dir.resolve("parquet");
        Files.createDirectories(in);
        writeParquet(in.resolve("a.parquet"), 23);
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        FileStorage storage = new FileStorage(in);
        List<List<ShardFile>> ranges = ShardSplitter.cut(
                shard(0, new ShardFile("a.parquet", Files.size(in.resolve("a.parquet")))),
                3,
                counted(Map.of("a.parquet", 23L)));
        assertEquals(
                List.of(0L, 7L, 15L),
                ranges.stream().map(r -> r.get(0).firstItem()).toList());
        List<String> seen = new ArrayList<>();
        for (List<ShardFile> range : ranges) {
            try (ShardInput items = new ShardInput(storage, new Shard(0, range), readers)) {
                InputItem item;
                while ((item = items.next()) != null) {
                    seen.add(((Document) item).id() + "@" + item.position().line());
                }
            }
        }
        assertEquals(
                LongStream.range(0, 23).mapToObj(i -> "p" + i + "@" + (i + 1)).toList(), seen);

        // row groups of 4 rows, each range but the first starting inside one: the first is rows 0-3, in the first range
        BlockMetaData first;
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(in.resolve("a.parquet")))) {
            assertEquals(6, footer.getRowGroups().size());
            first = footer.getRowGroups().get(0);
        }
        try (RandomAccessFile file =
                new RandomAccessFile(in.resolve("a.parquet").toFile(), "rw")) {
            file.seek(first.getStartingPos());
            file.write(new byte[(int) first.getCompressedSize()]);
        }
        assertThrows(CorruptFileException.class, () -> readAll(storage, readers, ranges.get(0)));
        assertEquals(8, readAll(storage, readers, ranges.get(1)));
        assertEquals(8, readAll(storage, readers, ranges.get(2)));

        writeParquet(in.resolve("a.parquet"), 10);
        for (int i = 1; i < 3; i++) {
            List<ShardFile> range = ranges.get(i);
            ShardDataException e = assertThrows(ShardDataException.class, () -> readAll(storage, readers, range));
            assertTrue(e.getMessage().contains("a.parquet ends after 10 items"), e.getMessage());
        }
    }

    private static void writeParquet(Path file, int rows) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withType(schema)
                .withRowGroupRowCountLimit(4)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < rows; i++) {
                writer.write(groups.newGroup().append("id", "p" + i).append("text", Corpus.sentence(i)));
            }
        }
    }

    private static long readAll(FileStorage storage, DocumentReaders readers, List<ShardFile> files)
            throws IOException {
        long n = 0;
        try (ShardInput items = new ShardInput(storage, new Shard(0, files), readers)) {
            while (items.next() != null) {
                n++;
            }
        }
        return n;
    }

    @Test
    void noRangeIsCutShorterThanTheFloorSoASmallJobKeepsItsFiles() throws IOException {
        List<Shard> shards = List.of(
                shard(0, new ShardFile("big.jsonl", 1_000)),
                shard(1, new ShardFile("mid.jsonl", 150)),
                shard(2, new ShardFile("small.jsonl", 50)));
        // the same 7 ranges wanted as above, but 100 items hold only 3 ranges of at least 32
        List<Shard> split = ShardSplitter.split(shards, 2, counted(ITEMS));
        assertEquals(
                List.of(33L, 33L, 34L),
                split.subList(0, 3).stream()
                        .map(s -> s.files().get(0).maxItems())
                        .toList());
        assertEquals(5, split.size());
        // 30 items: under two ranges of the floor, kept whole whatever the fleet
        assertNull(ShardSplitter.cut(
                shard(0, new ShardFile("mid.jsonl", 300)), 10, counted(ITEMS), ShardSplitter.MIN_ITEMS_PER_RANGE));
    }
}
