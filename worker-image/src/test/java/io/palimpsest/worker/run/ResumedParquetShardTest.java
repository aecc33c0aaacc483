package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Outputs;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
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
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attempt that resumes a Parquet shard after checkpoint parts passes over their items by whole row groups, unread,
 * where it read and decoded every one of them to send none: items keep their numbers and the shard's counts are those
 * of a whole read.
 */
class ResumedParquetShardTest {

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message doc { required binary id (STRING); required binary text (STRING); }");

    /** Row groups of rows 0-2, 3-7, 8, 9-15, 16-19. */
    private static final int[] ROW_GROUPS = {3, 5, 1, 7, 4};

    private static final int ROWS = IntStream.of(ROW_GROUPS).sum();

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * The first attempt ends on row 16 with rows 0-15 in its parts; then the second row group's pages are damaged (the
     * footer whole, the size the same). The resumed attempt reads the first row (the file's start is checked) and
     * passes over the rest of the parts' rows by the footer's counts, so it never meets the damage and commits: every
     * row once, 4 sent. (Reading every checkpointed row, it failed the shard as a corrupt file.)
     */
    @Test
    void aResumedAttemptPassesOverTheRowGroupsItsPartsHoldUnread() throws IOException {
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        Files.createDirectories(in);
        Path file = in.resolve("part-0.parquet");
        writeRowGroups(file);
        // the plan as an earlier version stored it, with no file versions: only the size is compared before reading
        Shard shard = new Shard(0, List.of(new ShardFile("part-0.parquet", Files.size(file))));

        UppercaseProcessor failing = new UppercaseProcessor(doc -> row(doc.id()) >= 16
                ? new DocumentFailedException("retries exhausted: HTTP 500", new IOException("500"))
                : null);
        ShardRunner.Report first = runner(in, out, failing, "w1").run(shard);
        assertEquals("retries_exhausted", first.summary().getReason());
        CheckpointStore.State state =
                new CheckpointStore(new FileStorage(out), new ShardLayout(0, Compression.ZSTD), json).read();
        assertTrue(state.done().isExactly(16), "rows 0-15 are in checkpoint parts: " + state.done());

        long size = Files.size(file);
        damageRowGroup(file, 1);
        assertEquals(size, Files.size(file));

        UppercaseProcessor resumed = new UppercaseProcessor();
        ShardRunner.Report second = runner(in, out, resumed, "w2").run(shard);

        assertEquals(
                ExitCodes.DONE,
                second.exitCode(),
                String.valueOf(second.summary().getMessage()));
        assertEquals(ShardSummary.Outcome.committed, second.summary().getOutcome());
        assertEquals(16, second.resumed());
        assertEquals(4, resumed.calls.get(), "rows 16-19 sent, none of the parts' rows");
        assertEquals(ROWS, second.summary().getRead(), "read counts every row, the resumed ones too");
        assertEquals(ROWS, second.summary().getWritten());
        assertEquals(
                IntStream.range(0, ROWS).mapToObj(i -> "d" + i).sorted().toList(),
                Outputs.ids(new FileStorage(out), "upper/shard-00000.jsonl.zst").stream()
                        .sorted()
                        .toList());
    }

    private ShardRunner runner(Path in, Path out, UppercaseProcessor processor, String writer) throws IOException {
        return new ShardRunner(
                new FileStorage(in),
                new FileStorage(out),
                new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20),
                processor,
                TestRunSettings.of(0, writer, 4, 8, Compression.ZSTD, Files.createTempDirectory(dir, "tmp")),
                json,
                new RunProgress(),
                // a worker's repeats when the plan lists none for its shard
                () -> RepeatedIds.NONE);
    }

    private static int row(String id) {
        return Integer.parseInt(id.substring(1));
    }

    /** One file of {@link #ROW_GROUPS}, each row group written alone and appended. */
    private void writeRowGroups(Path target) throws IOException {
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
                    writer.write(groups.newGroup().append("id", "d" + row).append("text", "text of row " + row));
                }
            }
            file.appendFile(new LocalInputFile(part));
            Files.delete(part);
        }
        file.end(Map.of());
    }

    /** Zeroes one row group's column chunks in place (their page headers no longer decode); the footer stays whole. */
    private static void damageRowGroup(Path target, int index) throws IOException {
        BlockMetaData group;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(target))) {
            group = reader.getRowGroups().get(index);
        }
        try (RandomAccessFile bytes = new RandomAccessFile(target.toFile(), "rw")) {
            bytes.seek(group.getStartingPos());
            bytes.write(new byte[(int) group.getCompressedSize()]);
        }
    }
}
