package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet strings: strict UTF-8, and text and id columns that older writers left without a STRING annotation. */
class ParquetTextTest {

    private static final byte[] NOT_UTF8 = {'b', 'a', 'd', ' ', (byte) 0xC3, (byte) 0x28};

    @TempDir
    Path dir;

    @Test
    void unannotatedBinaryTextAndIdColumnsAreReadAsUtf8Text() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id; required binary text; optional binary blob; }");
        write(schema, "hive.parquet", groups -> new Group[] {
            groups.newGroup()
                    .append("id", Binary.fromString("doc-1"))
                    .append("text", Binary.fromString("Grüße aus Köln ✓"))
                    .append("blob", Binary.fromConstantByteArray(new byte[] {1, 2, (byte) 0xff})),
            groups.newGroup()
                    .append("id", Binary.fromString("doc-2"))
                    .append("text", Binary.fromConstantByteArray(NOT_UTF8))
        });

        try (DocumentReader reader = open("hive.parquet")) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertEquals("doc-1", doc.id());
            assertEquals("Grüße aus Köln ✓", doc.text());
            assertEquals(
                    Base64.getEncoder().encodeToString(new byte[] {1, 2, (byte) 0xff}),
                    doc.metadata().get("blob").asText(),
                    "another un-annotated binary column stays base64");
            UnusableItem bad = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.INVALID_UTF8, bad.reason());
            assertEquals("column 'text' is not valid UTF-8", bad.detail());
            assertEquals(2, bad.position().line());
            assertNull(reader.next());
        }
    }

    /**
     * The reader's byte bound holds for Parquet rows as for JSON lines: a row whose values come to more
     * than it is rejected before any of them becomes a string (a 100 MB value compresses to a few KB).
     */
    @Test
    void aRowOverTheByteBoundIsRejectedAsTooLongNotDecoded() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); optional binary note (STRING); }");
        String mib = "x".repeat(1 << 20);
        String halfMib = "y".repeat(600 * 1024);
        write(schema, "large.parquet", groups -> new Group[] {
            groups.newGroup().append("id", "a").append("text", "small"),
            groups.newGroup().append("id", "b").append("text", mib + mib),
            groups.newGroup().append("id", "c").append("text", halfMib).append("note", halfMib),
            groups.newGroup().append("id", "d").append("text", halfMib),
        });

        try (DocumentReader reader = open("large.parquet")) {
            assertEquals("a", assertInstanceOf(Document.class, reader.next()).id());
            UnusableItem whole = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.LINE_TOO_LONG, whole.reason());
            assertEquals(
                    "row has at least 2097153 bytes of string and binary values (reached at column 'text'), more than"
                            + " the limit of 1048576",
                    whole.detail());
            assertEquals(2, whole.position().line());
            UnusableItem together = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.LINE_TOO_LONG, together.reason());
            assertTrue(together.detail().contains("(reached at column 'note')"), together.detail());
            assertEquals("d", assertInstanceOf(Document.class, reader.next()).id(), "the next row is read as usual");
            assertNull(reader.next());
        }
    }

    @Test
    void aStringValueThatIsNotUtf8RejectsItsRowInsteadOfReachingTheModelAsReplacementCharacters() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); optional binary title (STRING); }");
        write(schema, "strings.parquet", groups -> new Group[] {
            groups.newGroup().append("id", "a").append("text", Binary.fromConstantByteArray(NOT_UTF8)),
            groups.newGroup()
                    .append("id", "b")
                    .append("text", "fine")
                    .append("title", Binary.fromConstantByteArray(NOT_UTF8)),
            groups.newGroup().append("id", "c").append("text", "fine too").append("title", "ok")
        });

        try (DocumentReader reader = open("strings.parquet")) {
            UnusableItem text = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.INVALID_UTF8, text.reason());
            assertEquals("column 'text' is not valid UTF-8", text.detail());
            UnusableItem title = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals("column 'title' is not valid UTF-8", title.detail());
            assertEquals("c", assertInstanceOf(Document.class, reader.next()).id());
            assertNull(reader.next());
        }
    }

    @Test
    void aPageThatCannotBeDecodedIsCorruptInputNamingTheFileNotAFlockOfRejects() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        Path file = dir.resolve("broken.parquet");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                .withDictionaryEncoding(false)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 100; i++) {
                writer.write(groups.newGroup()
                        .append("id", String.format("id-%03d", i))
                        .append("text", String.format("text of row %03d", i)));
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        int at = indexOf(bytes, "text of row 056".getBytes(StandardCharsets.US_ASCII));
        // the PLAIN encoding's length prefix of that value, made longer than the page
        bytes[at - 4] = (byte) 0xff;
        bytes[at - 3] = (byte) 0xff;
        bytes[at - 2] = (byte) 0xff;
        bytes[at - 1] = (byte) 0x0f;
        Files.write(file, bytes);

        List<String> ids = new ArrayList<>();
        CorruptInputException e = assertThrows(CorruptInputException.class, () -> {
            try (DocumentReader reader = open("broken.parquet")) {
                InputItem item;
                while ((item = reader.next()) != null) {
                    ids.add(assertInstanceOf(Document.class, item).id());
                }
            }
        });

        assertEquals(56, ids.size(), "the rows before the damage");
        assertTrue(e.getMessage().startsWith("row 57 cannot be decoded: "), e.getMessage());
    }

    @Test
    void aFileThatIsNotParquetIsCorruptInputAndNamedByItsKey() throws IOException {
        Files.writeString(dir.resolve("fake.parquet"), "{\"id\":\"a\",\"text\":\"json, not parquet\"}\n");

        CorruptInputException e = assertThrows(CorruptInputException.class, () -> open("fake.parquet"));

        assertTrue(
                e.getMessage()
                        .startsWith("parquet footer unreadable, so not a Parquet file or one cut short: fake.parquet is"
                                + " not a Parquet file"),
                e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private DocumentReader open(String name) throws IOException {
        return new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20)
                .open(new FileStorage(dir), name);
    }

    /**
     * A null in the text column (or in a named id column) is the null a JSON record holds, not a field it lacks: the
     * reject says {@code is null} with the same reason as the JSON line, and a column the schema lacks stays missing.
     */
    @Test
    void aNullTextOrIdColumnIsRejectedAsNullAsTheSameJsonRecordIs() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { optional binary doc_id (STRING); optional binary text (STRING); }");
        write(schema, "nulls.parquet", groups -> new Group[] {
            groups.newGroup().append("doc_id", "a"), // text null
            groups.newGroup().append("text", "hello"), // doc_id null
        });
        Files.writeString(
                dir.resolve("nulls.jsonl"),
                "{\"doc_id\": \"a\", \"text\": null}\n{\"doc_id\": null, \"text\": \"hello\"}\n");
        FieldMapping named = new FieldMapping("text", "doc_id");
        for (String name : List.of("nulls.parquet", "nulls.jsonl")) {
            try (DocumentReader reader = new DocumentReaders(
                            "auto", new RecordDecoder(new ObjectMapper(), named), 1 << 20)
                    .open(new FileStorage(dir), name)) {
                UnusableItem text = assertInstanceOf(UnusableItem.class, reader.next(), name);
                assertEquals(ItemReason.MISSING_TEXT, text.reason(), name);
                assertEquals("field 'text' is null", text.detail(), name);
                assertEquals("a", text.id(), name);
                UnusableItem id = assertInstanceOf(UnusableItem.class, reader.next(), name);
                assertEquals(ItemReason.MISSING_ID, id.reason(), name);
                assertEquals("field 'doc_id' is null", id.detail(), name);
                assertNull(reader.next(), name);
            }
        }
        MessageType withoutText = MessageTypeParser.parseMessageType("message doc { required binary id (STRING); }");
        write(withoutText, "no-text.parquet", groups ->
                new Group[] {groups.newGroup().append("id", "b")});
        try (DocumentReader reader = open("no-text.parquet")) {
            UnusableItem missing = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.MISSING_TEXT, missing.reason());
            assertEquals("field 'text' is missing", missing.detail());
        }
    }

    private void write(MessageType schema, String name, ParquetRows rows) throws IOException {
        ParquetRows.write(dir.resolve(name), schema, rows);
    }
}
