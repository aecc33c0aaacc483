package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.plan.ItemsForLimit;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.testing.ReadOnlyFolder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A range of a Parquet file read by passing over the rows before it ({@link DocumentReader#skip}) hands out the items a
 * whole-file read hands out from that row on, with the same positions (the ordinals checkpoints, receipts and the
 * duplicate-id index key on), while the row groups that end before the range are not read at all.
 */
class ParquetRangeSkipTest {

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message doc { required binary id (STRING); required binary text (STRING); }");

    /** Row groups of different sizes: rows 0-2, 3-7, 8, 9-15, 16-19. */
    private static final int[] ROW_GROUPS = {3, 5, 1, 7, 4};

    private static final int ROWS = Arrays.stream(ROW_GROUPS).sum();

    /** Rows whose text is not UTF-8: each is an item (rejected), counted as any row is. */
    private static final List<Integer> NOT_UTF8 = List.of(4, 12);

    @TempDir
    Path dir;

    @Test
    void everyStartingRowGivesTheWholeReadsItemsFromThatRowOn() throws IOException {
        writeRowGroups("groups.parquet");
        assertEquals(ROW_GROUPS.length, rowGroupsOf("groups.parquet"), "the file holds the row groups as written");
        for (Storage storage : List.of(new FileStorage(dir), new ReadOnlyFolder(dir))) {
            List<String> whole = readFrom(storage, "groups.parquet", 0);
            assertEquals(ROWS, whole.size());
            assertEquals("5 null rejected invalid_utf8", whole.get(4));
            // mid-group (1, 5, 12), a group's first row (3, 8, 9, 16), the last group (17), the last row (19), the
            // end (20)
            for (int first = 0; first <= ROWS; first++) {
                assertEquals(
                        whole.subList(first, ROWS),
                        readFrom(storage, "groups.parquet", first),
                        "from row " + first + " of " + storage.getClass().getSimpleName());
            }
        }
    }

    @Test
    void skippingPastTheEndPassesOverTheRowsThereAre() throws IOException {
        writeRowGroups("groups.parquet");
        try (DocumentReader reader = readers().open(new FileStorage(dir), "groups.parquet")) {
            assertEquals(ROWS, reader.skip(ROWS + 5));
            assertEquals(null, reader.next());
        }
    }

    @Test
    void skipsInTurnAddUpAsOneSkip() throws IOException {
        writeRowGroups("groups.parquet");
        List<String> whole = readFrom(new FileStorage(dir), "groups.parquet", 0);
        try (DocumentReader reader = readers().open(new FileStorage(dir), "groups.parquet")) {
            assertEquals(2, reader.skip(2));
            assertEquals(whole.get(2), describe(reader.next()));
            assertEquals(7, reader.skip(7)); // the rest of a group, a group of one, the next group's first row
            assertEquals(whole.get(10), describe(reader.next()));
            assertEquals(0, reader.skip(0));
            assertEquals(whole.get(11), describe(reader.next()));
        }
    }

    /**
     * The row groups before the range are not read: the first one's pages damaged, a read from its first row fails
     * as corrupt input, a read from the next row group on does not touch it. (Reading every row before the range, as
     * ranges were read, failed here.)
     */
    @Test
    void rowGroupsBeforeTheRangeAreNotRead() throws IOException {
        writeRowGroups("groups.parquet");
        List<String> whole = readFrom(new FileStorage(dir), "groups.parquet", 0);
        damageFirstRowGroup("groups.parquet");
        for (Storage storage : List.of(new FileStorage(dir), new ReadOnlyFolder(dir))) {
            assertThrows(CorruptInputException.class, () -> readFrom(storage, "groups.parquet", 0));
            assertThrows(CorruptInputException.class, () -> readFrom(storage, "groups.parquet", 2));
            assertEquals(whole.subList(3, ROWS), readFrom(storage, "groups.parquet", 3));
            assertEquals(whole.subList(17, ROWS), readFrom(storage, "groups.parquet", 17));
        }
    }

    /**
     * Row groups of no rows (pyarrow writes one for each empty table it is given; the Parquet library here writes none)
     * are passed over, between row groups and at the end. The file, rows 0-1, none, 2-4, none, was written with
     * pyarrow 25: {@code pq.ParquetWriter(path, schema, compression='zstd')} and {@code write_table} of tables of 2, 0,
     * 3 and 0 rows of {@code id} "d0".. and {@code text} "text of row 0"...
     */
    @Test
    void rowGroupsOfNoRowsArePassedOver() throws IOException {
        try (var fixture = getClass().getResourceAsStream("/parquet/zero-row-groups.parquet")) {
            Files.copy(fixture, dir.resolve("zero.parquet"));
        }
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(dir.resolve("zero.parquet")))) {
            assertEquals(
                    List.of(2L, 0L, 3L, 0L),
                    footer.getRowGroups().stream()
                            .map(BlockMetaData::getRowCount)
                            .toList());
        }
        for (Storage storage : List.of(new FileStorage(dir), new ReadOnlyFolder(dir))) {
            List<String> whole = readFrom(storage, "zero.parquet", 0);
            assertEquals(
                    List.of(
                            "1 d0 text of row 0",
                            "2 d1 text of row 1",
                            "3 d2 text of row 2",
                            "4 d3 text of row 3",
                            "5 d4 text of row 4"),
                    whole);
            for (int first = 0; first <= 5; first++) {
                assertEquals(whole.subList(first, 5), readFrom(storage, "zero.parquet", first), "from row " + first);
            }
            try (DocumentReader reader = readers().open(storage, "zero.parquet")) {
                assertEquals(5, reader.skip(9));
                assertEquals(null, reader.next());
            }
        }
    }

    /**
     * The planner's count of a file's items ({@link ItemsForLimit}: {@code input.limit}, item ranges) is the footer's:
     * the items a whole read hands out, rejected rows and row groups of no rows as a read counts them, up to the
     * number asked for, wherever the reader stands.
     */
    @Test
    void theCountIsTheItemsAWholeReadHandsOut() throws IOException {
        writeRowGroups("groups.parquet");
        try (var fixture = getClass().getResourceAsStream("/parquet/zero-row-groups.parquet")) {
            Files.copy(fixture, dir.resolve("zero.parquet"));
        }
        for (Storage storage : List.of(new FileStorage(dir), new ReadOnlyFolder(dir))) {
            ItemsForLimit counter = new ItemsForLimit(storage, readers());
            for (String name : List.of("groups.parquet", "zero.parquet")) {
                long items = readFrom(storage, name, 0).size();
                for (long atMost = 0; atMost <= items + 2; atMost++) {
                    assertEquals(Math.min(atMost, items), counter.count(name, atMost), name + " up to " + atMost);
                }
                assertEquals(items, counter.count(name, Long.MAX_VALUE), name);
                for (long first = 0; first <= items; first++) {
                    try (DocumentReader reader = readers().open(storage, name)) {
                        reader.skip(first);
                        assertEquals(items - first, reader.itemsLeft(Long.MAX_VALUE), name + " after " + first);
                    }
                }
            }
        }
    }

    /**
     * The count reads no row: the first row group's pages damaged, it counts the rows of the footer, the damaged ones
     * too, where it read every row up to the count and failed on them (the planner's duplicate-id pass reads every
     * row and refuses such a file: {@code PlanCorruptInputTest}).
     */
    @Test
    void countingReadsNoRow() throws IOException {
        writeRowGroups("groups.parquet");
        damageFirstRowGroup("groups.parquet");
        for (Storage storage : List.of(new FileStorage(dir), new ReadOnlyFolder(dir))) {
            ItemsForLimit counter = new ItemsForLimit(storage, readers());
            assertEquals(ROWS, counter.count("groups.parquet", Long.MAX_VALUE));
            assertEquals(2, counter.count("groups.parquet", 2));
        }
    }

    private List<String> readFrom(Storage storage, String name, long first) throws IOException {
        List<String> items = new ArrayList<>();
        try (DocumentReader reader = readers().open(storage, name)) {
            assertEquals(first, reader.skip(first));
            InputItem item;
            while ((item = reader.next()) != null) {
                items.add(describe(item));
            }
        }
        return items;
    }

    private static String describe(InputItem item) {
        String what = item instanceof Document doc
                ? doc.id() + " " + doc.text()
                : ((UnusableItem) item).id() + " rejected "
                        + ((UnusableItem) item).reason().code();
        return item.position().line() + " " + what;
    }

    private static DocumentReaders readers() {
        return new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
    }

    /** One file of {@link #ROW_GROUPS}, each written alone and appended. */
    private void writeRowGroups(String name) throws IOException {
        Path target = dir.resolve(name);
        ParquetFileWriter file = new ParquetFileWriter(
                new LocalOutputFile(target), SCHEMA, ParquetFileWriter.Mode.OVERWRITE, 1 << 20, 0);
        file.start();
        int row = 0;
        for (int size : ROW_GROUPS) {
            Path part = Files.createTempFile(dir, "group", ".parquet");
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(part))
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withType(SCHEMA)
                    .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                    .build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
                for (int i = 0; i < size; i++, row++) {
                    Binary text = NOT_UTF8.contains(row)
                            ? Binary.fromConstantByteArray(new byte[] {'x', (byte) 0xC3, (byte) 0x28})
                            : Binary.fromString("text of row " + row);
                    writer.write(groups.newGroup().append("id", "d" + row).append("text", text));
                }
            }
            file.appendFile(new LocalInputFile(part));
            Files.delete(part);
        }
        file.end(Map.of());
    }

    private int rowGroupsOf(String name) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(dir.resolve(name)))) {
            return reader.getRowGroups().size();
        }
    }

    /** Zeroes the first row group's column chunks (their page headers no longer decode); the footer stays whole. */
    private void damageFirstRowGroup(String name) throws IOException {
        BlockMetaData first;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(dir.resolve(name)))) {
            first = reader.getRowGroups().get(0);
        }
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
            file.seek(first.getStartingPos());
            file.write(new byte[(int) first.getCompressedSize()]);
        }
    }
}
