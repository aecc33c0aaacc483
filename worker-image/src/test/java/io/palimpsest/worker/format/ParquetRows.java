package io.palimpsest.worker.format;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

/** Rows a test writes as a Parquet file of its own schema, as a writer of any library would lay them out. */
interface ParquetRows {

    Group[] of(SimpleGroupFactory groups);

    /** Writes {@code rows} of {@code schema} to {@code file}, in one row group. */
    static void write(Path file, MessageType schema, ParquetRows rows) throws IOException {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .build()) {
            for (Group row : rows.of(new SimpleGroupFactory(schema))) {
                writer.write(row);
            }
        }
    }
}
