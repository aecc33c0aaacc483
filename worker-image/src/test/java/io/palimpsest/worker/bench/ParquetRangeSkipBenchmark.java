package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * What a worker pays to reach its range of a Parquet file cut into item ranges: writes {@code --rows} rows of
 * {@code --doc-chars} characters in row groups of {@code --row-group-rows} rows (ZSTD), and reaches the first row of the
 * last of {@code --ranges} near-equal ranges twice in one run: by reading every row before it as a document (how a
 * range's worker passed over them before) and by {@link DocumentReader#skip} (whole row groups before the range passed
 * over unread), after a warm-up read of the first row group. It prints the rows each way decoded and the time, then reads {@code --range-rows} rows of the range both
 * ways and checks their ids and positions agree.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl worker-image test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd worker-image &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.palimpsest.worker.bench.ParquetRangeSkipBenchmark --rows 200000 --ranges 16
 * </pre>
 */
public final class ParquetRangeSkipBenchmark {

    private static final Logger WRITER_LOG = Logger.getLogger("org.apache.parquet.hadoop.InternalParquetRecordWriter");

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int rows = Integer.parseInt(options.get("--rows", "200000"));
        int rowGroupRows = Integer.parseInt(options.get("--row-group-rows", "20000"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "2000"));
        int ranges = Integer.parseInt(options.get("--ranges", "16"));
        int rangeRows = Integer.parseInt(options.get("--range-rows", "1000"));
        options.checkAllKnown();
        // the writer's account of its buffers at each row group (the row groups here are bounded by rows, not bytes)
        WRITER_LOG.setLevel(Level.SEVERE);

        Path dir = Files.createTempDirectory("palimpsest-rangeskip");
        Path file = dir.resolve("corpus.parquet");
        write(file, rows, rowGroupRows, docChars);
        List<Long> groupRows = new ArrayList<>();
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(file))) {
            footer.getRowGroups().stream().map(BlockMetaData::getRowCount).forEach(groupRows::add);
        }
        long first = (long) rows * (ranges - 1) / ranges;
        long inGroup = first;
        for (long count : groupRows) {
            if (inGroup < count) {
                break;
            }
            inGroup -= count;
        }
        System.out.printf(
                "file %d MB, %d rows of %d characters, %d row groups of %d rows; the last of %d ranges starts at row"
                        + " %d, %d rows into its row group%n",
                Files.size(file) >> 20, rows, docChars, groupRows.size(), rowGroupRows, ranges, first, inGroup);

        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 8 << 20);
        FileStorage storage = new FileStorage(dir);
        // both ways timed with the JIT warmed by a read of the first row group
        try (DocumentReader reader = readers.open(storage, "corpus.parquet")) {
            read(reader, rowGroupRows);
        }
        List<String> before;
        List<String> after;
        long started = System.nanoTime();
        try (DocumentReader reader = readers.open(storage, "corpus.parquet")) {
            for (long i = 0; i < first; i++) {
                reader.next();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "every row before the range read as a document (before): %d rows decoded in %.2f s%n",
                    first, seconds);
            before = read(reader, rangeRows);
        }
        started = System.nanoTime();
        try (DocumentReader reader = readers.open(storage, "corpus.parquet")) {
            long passed = reader.skip(first);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "row groups before the range skipped (now): %d rows passed over, %d of them read (none converted)"
                            + " in %.2f s%n",
                    passed, inGroup, seconds);
            after = read(reader, rangeRows);
        }
        if (!before.equals(after)) {
            throw new IllegalStateException("the range's rows differ: " + before.get(0) + " against " + after.get(0));
        }
        System.out.printf(
                "the range's first %d rows the same both ways (%s .. %s)%n",
                after.size(), after.get(0), after.get(after.size() - 1));
        Files.delete(file);
        Files.delete(dir);
    }

    private static List<String> read(DocumentReader reader, int rows) throws IOException {
        List<String> items = new ArrayList<>();
        InputItem item;
        while (items.size() < rows && (item = reader.next()) != null) {
            items.add(item.position() + " " + (item instanceof Document doc ? doc.id() : "rejected"));
        }
        return items;
    }

    /** The corpus: {@code rows} rows of {@code docChars} characters of random words, row groups of {@code rowGroupRows} rows, ZSTD. */
    static void write(Path file, int rows, int rowGroupRows, int docChars) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        Random random = new Random(1);
        String[] words = new String[20_000];
        for (int i = 0; i < words.length; i++) {
            StringBuilder word = new StringBuilder();
            for (int c = 2 + random.nextInt(8); c > 0; c--) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = word.toString();
        }
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupRowCountLimit(rowGroupRows)
                .withRowGroupSize(Long.MAX_VALUE / 2)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            StringBuilder text = new StringBuilder(docChars + 16);
            for (int i = 0; i < rows; i++) {
                text.setLength(0);
                while (text.length() < docChars) {
                    text.append(words[random.nextInt(words.length)]).append(' ');
                }
                writer.write(groups.newGroup().append("id", "d" + i).append("text", text.toString()));
            }
        }
    }
}
