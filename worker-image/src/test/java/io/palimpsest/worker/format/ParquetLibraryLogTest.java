package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading Parquet files as they come (compressed, or with no rows at all) logs nothing of the libraries' own at INFO or
 * WARNING: {@code local} and {@code show} printed "Got brand-new decompressor [.zstd]", "Unable to load native-hadoop
 * library" and "Read empty block at index 0" among their output, none of which asks anything of the user.
 */
class ParquetLibraryLogTest {

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message doc { required binary id (STRING); required binary text (STRING); }");

    @TempDir
    Path dir;

    @Test
    void readingCompressedAndZeroRowFilesLogsNothingOfTheLibraries() throws IOException {
        write("zstd.parquet", CompressionCodecName.ZSTD, 3);
        write("gzip.parquet", CompressionCodecName.GZIP, 3);
        write("empty.parquet", CompressionCodecName.SNAPPY, 0);
        List<String> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.INFO.intValue()
                        && record.getLoggerName() != null
                        && record.getLoggerName().startsWith("org.apache.")) {
                    logged.add(record.getLoggerName() + ": " + record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try {
            DocumentReaders readers =
                    new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
            for (String name : List.of("zstd.parquet", "gzip.parquet", "empty.parquet")) {
                try (DocumentReader reader = readers.open(new FileStorage(dir), name)) {
                    int read = 0;
                    while (reader.next() != null) {
                        read++;
                    }
                    assertEquals(name.equals("empty.parquet") ? 0 : 3, read, name);
                }
            }
        } finally {
            root.removeHandler(capture);
        }

        assertEquals(List.of(), logged);
    }

    private void write(String name, CompressionCodecName codec, int rows) throws IOException {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve(name)))
                .withType(SCHEMA)
                .withCompressionCodec(codec)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
            for (int i = 0; i < rows; i++) {
                writer.write(groups.newGroup().append("id", "d" + i).append("text", "text " + i));
            }
        }
    }
}
