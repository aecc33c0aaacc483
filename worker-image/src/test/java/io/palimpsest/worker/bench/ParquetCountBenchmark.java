package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.ItemsForLimit;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the planner pays to count a Parquet file's items ({@link ItemsForLimit}: {@code input.limit}, and the item
 * ranges a fleet's shards are cut into): writes {@code --rows} rows of {@code --doc-chars} characters in row groups of
 * {@code --row-group-rows} rows (ZSTD, as {@link ParquetRangeSkipBenchmark} does) and counts them both ways, the whole
 * file (as the splitter asks) and up to half of it (as a limit that ends in the file asks), after a warm-up read of
 * the first row group: by reading every row as a document up to the count (how it was counted before) and from the
 * footer's row counts (now). It prints each way's time, the ratio, and checks the counts agree.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl worker-image test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd worker-image &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.palimpsest.worker.bench.ParquetCountBenchmark --rows 200000 --doc-chars 2000
 * </pre>
 */
public final class ParquetCountBenchmark {

    private static final Logger WRITER_LOG = Logger.getLogger("org.apache.parquet.hadoop.InternalParquetRecordWriter");

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int rows = Integer.parseInt(options.get("--rows", "200000"));
        int rowGroupRows = Integer.parseInt(options.get("--row-group-rows", "20000"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "2000"));
        options.checkAllKnown();
        WRITER_LOG.setLevel(Level.SEVERE);

        Path dir = Files.createTempDirectory("palimpsest-count");
        Path file = dir.resolve("corpus.parquet");
        ParquetRangeSkipBenchmark.write(file, rows, rowGroupRows, docChars);
        System.out.printf(
                "file %d MB, %d rows of %d characters in row groups of %d rows%n",
                Files.size(file) >> 20, rows, docChars, rowGroupRows);

        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 8 << 20);
        FileStorage storage = new FileStorage(dir);
        ItemsForLimit counter = new ItemsForLimit(storage, readers);
        try (DocumentReader reader = readers.open(storage, "corpus.parquet")) {
            readEach(reader, rowGroupRows);
        }
        for (long atMost : new long[] {Long.MAX_VALUE, rows / 2 + 1}) {
            String asked = atMost == Long.MAX_VALUE ? "the whole file" : "up to " + atMost;
            long started = System.nanoTime();
            long before;
            try (DocumentReader reader = readers.open(storage, "corpus.parquet")) {
                before = readEach(reader, atMost);
            }
            double beforeSeconds = (System.nanoTime() - started) / 1e9;
            started = System.nanoTime();
            long now = counter.count("corpus.parquet", atMost);
            double nowSeconds = (System.nanoTime() - started) / 1e9;
            if (before != now) {
                throw new IllegalStateException(asked + ": " + before + " rows read, " + now + " counted");
            }
            System.out.printf(
                    "%s: %d rows; every row read as a document (before) %.3f s, the footer's counts (now) %.4f s:"
                            + " %.0fx faster%n",
                    asked, now, beforeSeconds, nowSeconds, beforeSeconds / nowSeconds);
        }
        Files.delete(file);
        Files.delete(dir);
    }

    /** How the planner counted before: every item read, up to {@code atMost}. */
    private static long readEach(DocumentReader reader, long atMost) throws IOException {
        long items = 0;
        while (items < atMost && reader.next() != null) {
            items++;
        }
        return items;
    }
}
