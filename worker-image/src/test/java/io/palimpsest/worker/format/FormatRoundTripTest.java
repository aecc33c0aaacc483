package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FormatRoundTripTest {

    private final ObjectMapper json = new ObjectMapper();
    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1024 * 1024);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void jsonlRoundTripsThroughEveryCompression(Compression compression) throws IOException {
        String name = "docs.jsonl" + compression.extension();
        try (JsonlWriter writer = new JsonlWriter(json, dir.resolve(name), compression)) {
            for (int i = 0; i < 100; i++) {
                writer.write(record("doc-" + i, "text number " + i + " with ünïcødé ✓", i));
            }
        }
        List<Document> docs = readAll(name);
        assertEquals(100, docs.size());
        assertEquals("doc-42", docs.get(42).id());
        assertEquals("text number 42 with ünïcødé ✓", docs.get(42).text());
        assertEquals(42, docs.get(42).metadata().get("rank").asInt());
        assertEquals(43, docs.get(42).position().line());
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"GZIP", "ZSTD"})
    void concatenatedCompressedFilesReadAsOne(Compression compression) throws IOException {
        Path first = dir.resolve("a" + compression.extension());
        Path second = dir.resolve("b" + compression.extension());
        try (JsonlWriter writer = new JsonlWriter(json, first, compression)) {
            writer.write(record("1", "one", 1));
        }
        try (JsonlWriter writer = new JsonlWriter(json, second, compression)) {
            writer.write(record("2", "two", 2));
            writer.write(record("3", "three", 3));
        }
        Path joined = dir.resolve("joined.jsonl" + compression.extension());
        Files.write(joined, concat(Files.readAllBytes(first), Files.readAllBytes(second)));
        assertEquals(
                List.of("1", "2", "3"),
                readAll(joined.getFileName().toString()).stream()
                        .map(Document::id)
                        .toList());
    }

    @Test
    void parquetRowsBecomeDocumentsWithMetadata() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); optional int64 rank; optional binary lang (STRING); }");
        Path file = dir.resolve("docs.parquet");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 50; i++) {
                writer.write(groups.newGroup()
                        .append("id", "p" + i)
                        .append("text", "row " + i)
                        .append("rank", (long) i)
                        .append("lang", "en"));
            }
        }
        List<Document> docs = readAll("docs.parquet");
        assertEquals(50, docs.size());
        assertEquals("p7", docs.get(7).id());
        assertEquals("row 7", docs.get(7).text());
        assertEquals(7, docs.get(7).metadata().get("rank").asLong());
        assertEquals("en", docs.get(7).metadata().get("lang").asText());
    }

    @Test
    void configurableTextAndIdFields() throws IOException {
        Files.writeString(dir.resolve("c.jsonl"), "{\"uid\":7,\"content\":\"hello\",\"text\":\"kept as metadata\"}\n");
        DocumentReaders custom =
                new DocumentReaders("jsonl", new RecordDecoder(json, new FieldMapping("content", "uid")), 1024);
        try (DocumentReader reader = custom.open(new FileStorage(dir), "c.jsonl")) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertEquals("7", doc.id());
            assertEquals("hello", doc.text());
            assertEquals("kept as metadata", doc.metadata().get("text").asText());
            assertNull(reader.next());
        }
    }

    private List<Document> readAll(String name) throws IOException {
        List<Document> docs = new ArrayList<>();
        try (DocumentReader reader = readers.open(new FileStorage(dir), name)) {
            InputItem item;
            while ((item = reader.next()) != null) {
                docs.add(assertInstanceOf(Document.class, item));
            }
        }
        return docs;
    }

    private ObjectNode record(String id, String text, int rank) {
        ObjectNode node = json.createObjectNode();
        node.put("id", id);
        node.put("text", text);
        node.put("rank", rank);
        return node;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = new byte[a.length + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
