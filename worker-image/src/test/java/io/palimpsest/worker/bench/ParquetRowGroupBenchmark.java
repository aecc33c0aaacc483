package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
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
 * The heap one Parquet input needs while it is read: writes a file of {@code --text-mb} MB of text in row groups of
 * {@code --row-group-mb} MB (one row group by default, as pyarrow writes a table of fewer than a million rows), reads it
 * through the workers' reader, and prints the row groups' sizes beside the live heap (after a full GC every
 * {@code --sample-every} documents) at its peak. Words drawn at random compress about as well as real text.
 *
 * <pre>
 * mvn -B -q -f worker-image/pom.xml test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx1g -cp worker-image/target/test-classes:worker-image/target/classes:$(cat /tmp/cp.txt) \
 *     io.palimpsest.worker.bench.ParquetRowGroupBenchmark --text-mb 200
 * </pre>
 */
public final class ParquetRowGroupBenchmark {

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int textMb = Integer.parseInt(options.get("--text-mb", "200"));
        int rowGroupMb = Integer.parseInt(options.get("--row-group-mb", "0"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "10000"));
        int sampleEvery = Integer.parseInt(options.get("--sample-every", "500"));
        String codec = options.get("--codec", "ZSTD");
        options.checkAllKnown();

        Path dir = Files.createTempDirectory("palimpsest-parquetbench");
        Path file = dir.resolve("corpus.parquet");
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        int docs = (int) ((long) textMb * 1_000_000 / docChars);
        Random random = new Random(1);
        String[] words = new String[20_000];
        for (int i = 0; i < words.length; i++) {
            StringBuilder word = new StringBuilder();
            for (int c = 2 + random.nextInt(8); c > 0; c--) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = word.toString();
        }
        long rowGroupBytes = rowGroupMb > 0 ? (long) rowGroupMb << 20 : Long.MAX_VALUE / 2;
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .withCompressionCodec(CompressionCodecName.valueOf(codec))
                .withRowGroupSize(rowGroupBytes)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            StringBuilder text = new StringBuilder(docChars + 16);
            for (int i = 0; i < docs; i++) {
                text.setLength(0);
                while (text.length() < docChars) {
                    text.append(words[random.nextInt(words.length)]).append(' ');
                }
                writer.write(groups.newGroup().append("id", "d" + i).append("text", text.toString()));
            }
        }
        long largestCompressed = 0;
        long largestUncompressed = 0;
        int rowGroups;
        try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(file))) {
            rowGroups = footer.getFooter().getBlocks().size();
            for (BlockMetaData block : footer.getFooter().getBlocks()) {
                largestCompressed = Math.max(largestCompressed, block.getCompressedSize());
                largestUncompressed = Math.max(largestUncompressed, block.getTotalByteSize());
            }
        }
        System.out.printf(
                "file %d MB, %d documents, %d row group(s), the largest %d MB compressed (%s), %d MB uncompressed;"
                        + " max heap %d MB%n",
                Files.size(file) >> 20,
                docs,
                rowGroups,
                largestCompressed >> 20,
                codec,
                largestUncompressed >> 20,
                Runtime.getRuntime().maxMemory() >> 20);

        long baseline = liveHeap();
        long peak = 0;
        long read = 0;
        long started = System.nanoTime();
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 8 << 20);
        try (DocumentReader reader = readers.open(new FileStorage(dir), "corpus.parquet")) {
            InputItem item;
            while ((item = reader.next()) != null) {
                if (!(item instanceof Document)) {
                    throw new IllegalStateException("not a document: " + item);
                }
                if (++read % sampleEvery == 1) {
                    peak = Math.max(peak, liveHeap() - baseline);
                }
            }
        }
        System.out.printf(
                "read %d documents in %.1f s; live heap while reading: %d MB at its peak over %d MB before%n",
                read, (System.nanoTime() - started) / 1e9, peak >> 20, baseline >> 20);
        Files.delete(file);
        Files.delete(dir);
    }

    private static long liveHeap() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
