package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lists, maps and decimals as pyarrow, Spark and Hive write them become the JSON a record of the same values holds
 * ({@code ["x","y"]}, {@code {"a":1}}, {@code 1.25}), not the Parquet encoding's wrapper groups ({@code
 * {"list":[{"element":"x"}]}}) or a decimal's unscaled bytes in base64: templates read them ({@code meta.tags |
 * join(", ")}) and outputs carry them as metadata.
 */
class ParquetColumnTypesTest {

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void listsMapsAndDecimalsBecomeTheJsonOfTheirValues() throws IOException {
        // pyarrow's and Spark's layout: three-level lists, key_value maps, decimals in ints and fixed bytes
        MessageType schema = MessageTypeParser.parseMessageType("message doc {"
                + " optional binary id (STRING); optional binary text (STRING);"
                + " optional group tags (LIST) { repeated group list { optional binary element (STRING); } }"
                + " optional group spans (LIST) { repeated group list { optional group element { optional int64 k; } } }"
                + " optional group counts (MAP) { repeated group key_value { required binary key (STRING);"
                + "   optional int64 value; } }"
                + " optional int32 price (DECIMAL(5,2)); optional fixed_len_byte_array(3) score (DECIMAL(5,2));"
                + " }");
        write(schema, "pyarrow.parquet", groups -> {
            Group row = groups.newGroup().append("id", "a").append("text", "some text");
            Group tags = row.addGroup("tags");
            tags.addGroup("list").append("element", "x");
            tags.addGroup("list"); // a null element
            tags.addGroup("list").append("element", "y");
            row.addGroup("spans").addGroup("list").addGroup("element").append("k", 7L);
            Group counts = row.addGroup("counts");
            counts.addGroup("key_value").append("key", "web").append("value", 3L);
            counts.addGroup("key_value").append("key", "books");
            row.append("price", 125);
            row.append("score", Binary.fromConstantByteArray(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0x85}));
            Group empty = groups.newGroup().append("id", "b").append("text", "more text");
            empty.addGroup("tags");
            return new Group[] {row, empty};
        });

        try (DocumentReader reader = open("pyarrow.parquet")) {
            Document a = assertInstanceOf(Document.class, reader.next());
            assertEquals(
                    "{\"tags\":[\"x\",null,\"y\"],\"spans\":[{\"k\":7}],\"counts\":{\"web\":3,\"books\":null}}",
                    a.metadata().deepCopy().without(List.of("price", "score")).toString());
            assertEquals(new BigDecimal("1.25"), a.metadata().get("price").decimalValue());
            assertEquals(new BigDecimal("-1.23"), a.metadata().get("score").decimalValue());
            Document b = assertInstanceOf(Document.class, reader.next());
            assertEquals(json.readTree("{\"tags\":[]}"), b.metadata(), "an empty list, and no null list");
            assertNull(reader.next());
        }
    }

    @Test
    void legacyTwoLevelListsAsOlderHiveAndSparkWriteThemAreArraysToo() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message doc {"
                + " required binary text (STRING);"
                + " optional group words (LIST) { repeated binary array (STRING); }"
                + " optional group pairs (LIST) { repeated group bag { optional binary a (STRING); optional int32 b; } }"
                + " optional group ones (LIST) { repeated group ones_tuple { optional binary s (STRING); } }"
                + " repeated binary bare (STRING);"
                + " }");
        write(schema, "hive.parquet", groups -> {
            Group row = groups.newGroup().append("text", "t");
            row.addGroup("words").append("array", "p").append("array", "q");
            row.addGroup("pairs").addGroup("bag").append("a", "u").append("b", 1);
            row.addGroup("ones").addGroup("ones_tuple").append("s", "v");
            row.append("bare", "r1").append("bare", "r2");
            return new Group[] {row};
        });

        try (DocumentReader reader = open("hive.parquet")) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertEquals(
                    json.readTree("{\"words\":[\"p\",\"q\"],\"pairs\":[{\"a\":\"u\",\"b\":1}],\"ones\":[{\"s\":\"v\"}],"
                            + "\"bare\":[\"r1\",\"r2\"]}"),
                    doc.metadata());
        }
    }

    @Test
    void aListOfStringsAsTheTextColumnIsAnArrayNotAnObject() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message doc { optional binary id (STRING);"
                + " optional group text (LIST) { repeated group list { optional binary element (STRING); } } }");
        write(schema, "list.parquet", groups -> {
            Group row = groups.newGroup().append("id", "a");
            row.addGroup("text").addGroup("list").append("element", "first paragraph");
            return new Group[] {row};
        });

        try (DocumentReader reader = open("list.parquet")) {
            UnusableItem item = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.TEXT_NOT_A_STRING, item.reason());
            assertEquals("field 'text' is an array, not a string", item.detail());
        }
    }

    /**
     * Spark writes timestamps as INT96 unless told otherwise (pyarrow too, on request): such a column is an
     * ISO-8601 instant, where reading it threw a ClassCastException that stopped the whole job without naming the file.
     */
    @Test
    void anInt96TimestampAsSparkWritesItIsAnInstant() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message spark_schema { optional binary text (STRING); optional int96 ts; }");
        // 2024-01-02T03:04:05.123456789Z: nanoseconds of the day, then the Julian day, both little-endian
        long nanosOfDay = ((3 * 60 + 4) * 60 + 5) * 1_000_000_000L + 123_456_789L;
        int julianDay = 2_460_312;
        byte[] int96 = java.nio.ByteBuffer.allocate(12)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(nanosOfDay)
                .putInt(julianDay)
                .array();
        write(schema, "spark.parquet", groups ->
                new Group[] {groups.newGroup().append("text", "t").append("ts", Binary.fromConstantByteArray(int96))});

        try (DocumentReader reader = open("spark.parquet")) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertEquals(
                    "2024-01-02T03:04:05.123456789Z", doc.metadata().get("ts").asText());
        }
    }

    /**
     * Unsigned integers (pyarrow's {@code uint32}, {@code uint64}: hashes used as ids), half floats and UUIDs are their
     * values, where a {@code uint64} over 2^63 came out negative, as an id too, and the others as base64 bytes.
     */
    @Test
    void unsignedIntegersHalfFloatsAndUuidsAreTheirValues() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message doc {"
                + " required int64 id (INTEGER(64,false)); required binary text (STRING);"
                + " required int32 u32 (INTEGER(32,false)); required fixed_len_byte_array(2) half (FLOAT16);"
                + " required fixed_len_byte_array(16) uuid (UUID); }");
        byte[] uuid = java.nio.ByteBuffer.allocate(16)
                .putLong(0x0123456789abcdefL)
                .putLong(0xfedcba9876543210L)
                .array();
        write(schema, "unsigned.parquet", groups -> new Group[] {
            groups.newGroup()
                    .append("id", -1L) // 2^64 - 1
                    .append("text", "t")
                    .append("u32", -2) // 2^32 - 2
                    .append("half", Binary.fromConstantByteArray(new byte[] {0x00, (byte) 0xbe})) // -1.5, little-endian
                    .append("uuid", Binary.fromConstantByteArray(uuid))
        });

        try (DocumentReader reader = open("unsigned.parquet")) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertEquals("18446744073709551615", doc.id());
            assertEquals(
                    "{\"u32\":4294967294,\"half\":-1.5,\"uuid\":\"01234567-89ab-cdef-fedc-ba9876543210\"}",
                    doc.metadata().toString());
        }
    }

    private DocumentReader open(String name) throws IOException {
        return new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20)
                .open(new FileStorage(dir), name);
    }

    private void write(MessageType schema, String name, ParquetRows rows) throws IOException {
        ParquetRows.write(dir.resolve(name), schema, rows);
    }
}
