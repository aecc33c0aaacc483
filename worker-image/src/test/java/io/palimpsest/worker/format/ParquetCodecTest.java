package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The compressions pyarrow, Polars, Spark and DuckDB write are read; one this reader has no codec for (Brotli, which
 * pyarrow writes on request, or LZO from old Hadoop jobs) refuses the file when it is opened, naming the column and the
 * codec, where the first row group failed with a missing Hadoop class.
 */
class ParquetCodecTest {

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message doc { required binary id (STRING); required binary text (STRING); required binary src (STRING); }");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(
            value = CompressionCodecName.class,
            names = {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"})
    void theCodecsCommonWritersUseAreRead(CompressionCodecName codec) throws IOException {
        Path file = write("a.parquet", codec);

        try (DocumentReader reader = open(file)) {
            for (int i = 0; i < 300; i++) {
                Document doc = assertInstanceOf(Document.class, reader.next());
                assertEquals("id-" + i, doc.id());
                assertEquals("web", doc.metadata().get("src").asText(), "a dictionary-encoded column");
            }
            assertNull(reader.next());
        }
    }

    /**
     * Hadoop's framed LZ4 (Spark's {@code lz4}, not pyarrow's, which is LZ4_RAW) has a codec class but not the library
     * it decompresses with: a file in it threw NoClassDefFoundError, which stopped the whole job.
     */
    @ParameterizedTest
    @EnumSource(
            value = CompressionCodec.class,
            names = {"BROTLI", "LZO", "LZ4"})
    void aCodecWithoutADecompressorRefusesTheFileNamingTheCodecAndTheColumn(CompressionCodec codec) throws IOException {
        Path file = write("brotli.parquet", CompressionCodecName.UNCOMPRESSED);
        markCompressedWith(file, codec);

        CorruptInputException e =
                assertThrows(CorruptInputException.class, () -> open(file).close());

        assertEquals(
                "column 'id' is compressed with " + codec + ", which this reader has no decompressor for (it reads"
                        + " UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW): write the file again with one of those"
                        + " (ZSTD or SNAPPY, for instance)",
                e.getMessage());
    }

    /**
     * The reader holds one row group's compressed column chunks at a time: a file whose largest row group is more than
     * the heap can hold beside the run (pandas and pyarrow write a table of under a million rows as one row group) is
     * refused when it is opened, naming the row group and the fix, where every attempt ran out of heap.
     */
    @Test
    void aRowGroupLargerThanTheReaderMayHoldRefusesTheFileNamingItsSize() throws IOException {
        Path file = write("one-group.parquet", CompressionCodecName.UNCOMPRESSED);
        DocumentReaders readers = new DocumentReaders(
                        "auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20)
                .holdingRowGroupsUpTo(2048);

        CorruptInputException e =
                assertThrows(CorruptInputException.class, () -> readers.open(new FileStorage(dir), "one-group.parquet")
                        .close());

        assertEquals(
                "row group 1 of 3 holds " + rowGroupBytes(file, 0)
                        + " bytes compressed, more than the 2048 a reader may"
                        + " hold (half the heap): it is read whole, so write the file again with smaller row groups"
                        + " (pyarrow and pandas: row_group_size; Polars: row_group_size; Spark: parquet.block.size;"
                        + " DuckDB: ROW_GROUP_SIZE) or give the process more memory",
                e.getMessage());
    }

    private static long rowGroupBytes(Path file, int index) throws IOException {
        try (org.apache.parquet.hadoop.ParquetFileReader reader =
                org.apache.parquet.hadoop.ParquetFileReader.open(new org.apache.parquet.io.LocalInputFile(file))) {
            assertEquals(3, reader.getFooter().getBlocks().size());
            return reader.getFooter().getBlocks().get(index).getCompressedSize();
        }
    }

    private DocumentReader open(Path file) throws IOException {
        return new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20)
                .open(new FileStorage(dir), file.getFileName().toString());
    }

    private Path write(String name, CompressionCodecName codec) throws IOException {
        Path file = dir.resolve(name);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(SCHEMA)
                .withCompressionCodec(codec)
                .withDictionaryEncoding(true)
                .withRowGroupSize(4096L)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
            for (int i = 0; i < 300; i++) {
                writer.write(groups.newGroup()
                        .append("id", "id-" + i)
                        .append("text", "the text of document " + i + " ".repeat(i % 7))
                        .append("src", "web"));
            }
        }
        return file;
    }

    /** Rewrites the footer so that every column chunk says it is compressed with {@code codec}. */
    private static void markCompressedWith(Path file, CompressionCodec codec) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int footerLength = ByteBuffer.wrap(bytes, bytes.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footerStart = bytes.length - 8 - footerLength;
        FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
        for (RowGroup group : footer.getRow_groups()) {
            for (ColumnChunk column : group.getColumns()) {
                column.getMeta_data().setCodec(codec);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, footerStart);
        ByteArrayOutputStream newFooter = new ByteArrayOutputStream();
        Util.writeFileMetaData(footer, newFooter);
        newFooter.writeTo(out);
        out.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(newFooter.size())
                .array());
        out.write("PAR1".getBytes(StandardCharsets.US_ASCII));
        Files.write(file, out.toByteArray());
        assertEquals(-1, Arrays.mismatch(Arrays.copyOf(bytes, 4), "PAR1".getBytes(StandardCharsets.US_ASCII)));
    }
}
