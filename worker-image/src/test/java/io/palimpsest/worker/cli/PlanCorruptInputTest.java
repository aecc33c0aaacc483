package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.JobFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input file whose container or compression cannot be decoded is refused when the job is planned (exit 78,
 * PlanningFailed), naming the file, the format it was read as and what is wrong, before the duplicate-id index
 * is written: no worker is started for a shard that would only fail as bad data. A malformed line of a file
 * that decodes stays a counted reject.
 */
class PlanCorruptInputTest {

    @TempDir
    Path tmp;

    @Test
    void aJsonlGzThatIsNotGzipRefusesThePlan() throws IOException {
        Path in = corpus("gz");
        Files.writeString(in.resolve("bad.jsonl.gz"), lines("b", 3));

        CliRun plan = plan(in);

        assertRefused(plan, in, "bad.jsonl.gz", "read as gzip-compressed JSON Lines: not gzip: bad magic bytes");
    }

    @Test
    void aTruncatedGzipWhoseFirstRecordsDecodeRefusesThePlan() throws IOException {
        Path in = corpus("gz-cut");
        byte[] whole = gzip(lines("c", 2_000));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        Files.write(in.resolve("cut.jsonl.gz"), cut);

        CliRun plan = plan(in);

        assertRefused(
                plan,
                in,
                "cut.jsonl.gz",
                "read as gzip-compressed JSON Lines: gzip member truncated at byte " + cut.length
                        + ": the file ends inside it");
    }

    @Test
    void aTruncatedZstdRefusesThePlanSayingWhereItEnds() throws IOException {
        Path in = corpus("zst");
        byte[] whole = Zstd.compress(lines("z", 2_000).getBytes(StandardCharsets.UTF_8));
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        Files.write(in.resolve("cut.jsonl.zst"), cut);

        CliRun plan = plan(in);

        assertRefused(
                plan,
                in,
                "cut.jsonl.zst",
                "read as zstd-compressed JSON Lines: zstd frame truncated at byte " + cut.length
                        + ": the file ends inside it");
    }

    @Test
    void aParquetFileWithABrokenFooterRefusesThePlan() throws IOException {
        Path in = corpus("parquet");
        Path whole = tmp.resolve("whole.parquet");
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(whole))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 20; i++) {
                writer.write(groups.newGroup().append("id", "p-" + i).append("text", "Row " + i + " of the file."));
            }
        }
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(in.resolve("broken.parquet"), Arrays.copyOf(bytes, bytes.length - 6)); // the footer's end cut

        CliRun plan = plan(in);

        assertRefused(plan, in, "broken.parquet", "read as Parquet: parquet footer unreadable");
    }

    @Test
    void aCorruptFileCountedForTheInputLimitRefusesThePlanNamingIt() throws IOException {
        Path in = corpus("limit");
        Files.writeString(in.resolve("a.jsonl.gz"), lines("a", 3));
        Path job = JobFiles.write(tmp.resolve("job-limit"), in, tmp.resolve("out-in-limit"), "http://127.0.0.1:9", 8);
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    limit: 9\n"));

        CliRun plan = CliRun.of("plan", "-f", job.toString());

        assertRefused(plan, in, "a.jsonl.gz", "read as gzip-compressed JSON Lines: not gzip: bad magic bytes");
    }

    /**
     * A Parquet file is counted for {@code input.limit} by its footer, no row read: one whose pages do not decode is
     * refused all the same, by the duplicate-id pass, which reads the rows the plan takes.
     */
    @Test
    void aParquetFileWhosePagesDoNotDecodeCountedForTheInputLimitRefusesThePlan() throws IOException {
        Path in = corpus("limit-parquet");
        Path file = in.resolve("a.parquet");
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 20; i++) {
                writer.write(groups.newGroup().append("id", "p-" + i).append("text", "Row " + i + " of the file."));
            }
        }
        BlockMetaData rowGroup;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            rowGroup = reader.getRowGroups().get(0);
        }
        try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
            bytes.seek(rowGroup.getStartingPos());
            bytes.write(new byte[(int) rowGroup.getCompressedSize()]); // the pages' headers zeroed, the footer whole
        }
        Path job = JobFiles.write(
                tmp.resolve("job-limit-parquet"), in, tmp.resolve("out-in-limit-parquet"), "http://127.0.0.1:9", 8);
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    limit: 9\n"));

        CliRun plan = CliRun.of("plan", "-f", job.toString());

        assertRefused(plan, in, "a.parquet", "read as Parquet: ");
    }

    @Test
    void aCorruptFileCountedForTheInputLimitRefusesThePreviewAsItRefusesThePlan() throws IOException {
        Path in = corpus("limit-preview");
        Files.writeString(in.resolve("a.jsonl.gz"), lines("a", 3));
        Path job = JobFiles.write(tmp.resolve("job-limit-preview"), in, tmp.resolve("out-lp"), "http://127.0.0.1:9", 8);
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    limit: 9\n"));

        CliRun preview = CliRun.of(
                "preview",
                "-f",
                job.toString(),
                "--simulate",
                "--out",
                tmp.resolve("preview").toString());

        assertEquals(ExitCodes.INVALID_JOB, preview.exit(), preview.err());
        assertTrue(
                preview.err()
                        .contains("1 input file(s) cannot be decoded as their format says: "
                                + new FileStorage(in).describe("a.jsonl.gz")
                                + " (read as gzip-compressed JSON Lines: not gzip: bad magic bytes"),
                preview.err());
    }

    @Test
    void onlyCorruptFilesAreNamedThreeAtMostWithHowManyMore() throws IOException {
        Path in = tmp.resolve("in-many");
        Files.createDirectories(in);
        for (String name : new String[] {"a.jsonl.gz", "b.jsonl.gz", "c.jsonl.gz", "d.jsonl.gz"}) {
            Files.writeString(in.resolve(name), lines(name, 2));
        }

        CliRun plan = plan(in);

        FileStorage where = new FileStorage(in);
        assertRefused(plan, in, "a.jsonl.gz", "read as gzip-compressed JSON Lines: not gzip: bad magic bytes");
        assertTrue(plan.err().contains("4 input file(s) cannot be decoded as their format says: "), plan.err());
        assertTrue(plan.err().contains(where.describe("c.jsonl.gz") + " (read as"), plan.err());
        assertFalse(plan.err().contains(where.describe("d.jsonl.gz")), plan.err());
        assertTrue(
                plan.err()
                        .contains(
                                where.describe("c.jsonl.gz")
                                        + " (read as gzip-compressed JSON Lines: not gzip: bad magic bytes, where a gzip file starts with 1f 8b), and 1 more; "),
                plan.err());
    }

    /**
     * A record with an id and an empty text, or with an id and no text field, is read and not compared, as a
     * malformed line is: the line counting them names them all, never "without an id".
     */
    @Test
    void recordsWithAnIdButNoTextAreCountedAsNotComparedNotAsWithoutAnId() throws IOException {
        Path in = corpus("idsWithoutText");
        Files.writeString(
                in.resolve("b.jsonl"),
                lines("h", 3) + "{\"id\":\"h-empty\",\"text\":\"\"}\n{\"id\":\"h-textless\"}\n{not json\n");

        CliRun plan = plan(in);

        assertEquals(0, plan.exit(), plan.err());
        assertTrue(plan.err().contains("(8 ids among 11 documents read from 2 shards in "), plan.err());
        assertTrue(plan.err().contains("; 3 records not compared (empty, malformed, or no text or id))"), plan.err());
        assertFalse(plan.err().contains("without an id"), plan.err());
    }

    @Test
    void malformedLinesOfAFileThatDecodesStayRejectsNotARefusal() throws IOException {
        Path in = corpus("malformed");
        Files.write(
                in.resolve("b.jsonl.gz"),
                gzip(lines("g", 5) + "{not json\n\n{\"id\":\"g-last\",\"text\":\"The last one.\"}\n"));

        CliRun plan = plan(in);

        assertEquals(0, plan.exit(), plan.err());
        // the run's summary counts 8 read: 6 documents, one malformed line and one blank line
        assertTrue(
                plan.err().contains("duplicate ids: none across shards (11 ids among 13 documents read from 2 shards"),
                plan.err());
        assertTrue(plan.err().contains("; 2 records not compared (empty, malformed, or no text or id))"), plan.err());
    }

    @Test
    void aLaterFileOfLinesThatAreNotJsonBesideGoodOnesRefusesThePlanNamingIt() throws IOException {
        Path in = corpus("not-json");
        Files.writeString(in.resolve("a.jsonl"), lines("a", 4)); // the first .jsonl, which the planner samples
        StringBuilder notJson = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            notJson.append("line ").append(i).append(" of a log, not JSON\n");
        }
        Files.writeString(in.resolve("log.jsonl"), notJson);

        CliRun plan = plan(in);

        assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
        FileStorage where = new FileStorage(in);
        assertTrue(
                plan.err()
                        .contains("1 input file(s) hold records and no document: none of the 120 lines of "
                                + where.describe("log.jsonl")
                                + " could be read as a document: 120 malformed_json (first at"
                                + " line 1: "),
                plan.err());
        assertTrue(plan.err().contains("so the job is not run: "), plan.err());
        assertTrue(plan.err().contains("or leave them out (spec.input.exclude)"), plan.err());
        assertFalse(plan.err().contains(where.describe("a.jsonl")), "the good files are not named: " + plan.err());
        assertFalse(plan.err().contains(where.describe("good.jsonl")), "the good files are not named: " + plan.err());
        assertFalse(
                Files.exists(tmp.resolve("out-" + in.getFileName()).resolve(DuplicateIdIndex.INDEX_KEY)),
                "no index, so no worker runs the plan: " + plan.err());
    }

    @Test
    void aFileWithOneDocumentAmongMalformedRecordsPlansWithItsRejectsAsAnEmptyFileDoes() throws IOException {
        Path in = corpus("one-good");
        StringBuilder mixed = new StringBuilder("{not json\n").append(lines("m", 1));
        for (int i = 0; i < 130; i++) {
            mixed.append(i % 2 == 0 ? "[\"an array\"]\n" : "{\"id\":\"x-" + i + "\",\"body\":\"no text field\"}\n");
        }
        Files.writeString(in.resolve("mixed.jsonl"), mixed);
        Files.writeString(in.resolve("none.jsonl"), ""); // no records: nothing wrong, nothing to rewrite

        CliRun plan = plan(in);

        assertEquals(0, plan.exit(), plan.err());
        // 5 + 132 read: 6 documents, 131 rejected by the run
        assertTrue(
                plan.err().contains("duplicate ids: none across shards (6 ids among 137 documents read from "),
                plan.err());
        assertTrue(plan.err().contains("; 131 records not compared (empty, malformed, or no text or id))"), plan.err());
        assertFalse(plan.err().contains("no document"), plan.err());
        assertFalse(plan.err().contains("warning"), plan.err());
    }

    @Test
    void aFileWhoseFirstDocumentComesAfterItsFirstHundredLinesIsPlannedWithANoteThatItsLinesAreRejected()
            throws IOException {
        Path in = corpus("late");
        Files.writeString(in.resolve("late.jsonl"), "not JSON\n".repeat(150) + lines("late", 1));

        CliRun plan = plan(in);

        assertEquals(0, plan.exit(), plan.err());
        assertTrue(
                plan.err()
                        .contains(": none of the first 100 lines of " + new FileStorage(in).describe("late.jsonl")
                                + " could be read as a document: 100 malformed_json"),
                plan.err());
        assertTrue(
                plan.err()
                        .contains("; the planner read the whole file and found documents in it, so its worker rejects"
                                + " such lines as malformed_json, each counted with its line, and reads on"),
                plan.err());
        assertFalse(plan.err().contains("its worker fails it"), plan.err());
        assertFalse(plan.err().contains("no document:"), plan.err());
    }

    private void assertRefused(CliRun plan, Path in, String file, String problem) {
        assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
        String named = new FileStorage(in).describe(file);
        assertTrue(
                plan.err().contains("cannot be decoded as their format says: " + named + " (" + problem), plan.err());
        assertTrue(plan.err().contains("or leave them out (spec.input.exclude)"), plan.err());
        assertFalse(
                plan.err().contains(new FileStorage(in).describe("good.jsonl") + " ("), "the good file is not named");
        assertFalse(
                Files.exists(tmp.resolve("out-" + in.getFileName()).resolve(DuplicateIdIndex.INDEX_KEY)),
                "no index, so no worker runs the plan: " + plan.err());
    }

    /** A folder with one good file, {@code good.jsonl} (5 documents). */
    private Path corpus(String name) throws IOException {
        Path in = tmp.resolve("in-" + name);
        Files.createDirectories(in);
        Files.writeString(in.resolve("good.jsonl"), lines("good", 5));
        return in;
    }

    private CliRun plan(Path in) throws IOException {
        Path job = JobFiles.write(
                tmp.resolve("job-" + in.getFileName()),
                in,
                tmp.resolve("out-" + in.getFileName()),
                "http://127.0.0.1:9",
                8);
        return CliRun.of("plan", "-f", job.toString());
    }

    private static String lines(String prefix, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"")
                    .append(prefix)
                    .append('-')
                    .append(i)
                    .append("\",\"text\":\"Document ")
                    .append(i)
                    .append(" of the corpus, with a few words so that it is text.\"}\n");
        }
        return out.toString();
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
