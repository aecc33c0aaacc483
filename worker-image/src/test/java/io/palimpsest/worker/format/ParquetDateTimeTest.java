package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dates, times and timestamps as the writers of Parquet corpora mark them become ISO-8601 text in a document's
 * metadata ({@code "2024-02-29"}, {@code "03:04:05.120Z"}, {@code "2024-01-02T03:04:05.123456Z"}), in lists, maps and
 * structs too, where they were the numbers Parquet stores (days since 1970, units since midnight or since 1970) that a
 * template or a reader of the output had to know the unit of.
 */
class ParquetDateTimeTest {

    /** 2024-01-02T03:04:05Z, in seconds since 1970. */
    private static final long SECONDS = 1_704_164_645L;

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    /**
     * The logical types pyarrow 13+ (so pandas and the Hugging Face hub's exports), Polars and Spark 3 write: pandas'
     * naive {@code datetime64[ns]} is {@code TIMESTAMP(NANOS,false)} (MICROS with an older format version), a
     * timezone-aware one and Spark's {@code TIMESTAMP} adjusted to UTC, Spark's {@code TIMESTAMP_NTZ} not; {@code
     * date32} is DATE, {@code time32}/{@code time64} TIME.
     */
    @Test
    void datesTimesAndTimestampsAreIsoText() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message schema {"
                + " optional binary text (STRING);"
                + " optional int32 day (DATE); optional int32 before_1970 (DATE);"
                + " optional int32 t_ms (TIME(MILLIS,true)); optional int64 t_us (TIME(MICROS,true));"
                + " optional int64 t_ns (TIME(NANOS,false)); optional int64 midnight (TIME(MICROS,false));"
                + " optional int64 naive_ns (TIMESTAMP(NANOS,false)); optional int64 naive_us (TIMESTAMP(MICROS,false));"
                + " optional int64 utc_ns (TIMESTAMP(NANOS,true)); optional int64 utc_us (TIMESTAMP(MICROS,true));"
                + " optional int64 utc_ms (TIMESTAMP(MILLIS,true)); optional int64 last_ms_of_1969 (TIMESTAMP(MILLIS,true));"
                + " optional int64 whole_second (TIMESTAMP(MICROS,true));"
                + " }");
        ParquetRows.write(dir.resolve("pandas.parquet"), schema, groups -> new Group[] {
            groups.newGroup()
                    .append("text", "t")
                    .append("day", 19_782)
                    .append("before_1970", -165)
                    .append("t_ms", 11_045_120)
                    .append("t_us", 11_045_123_456L)
                    .append("t_ns", 11_045_123_456_789L)
                    .append("midnight", 0L)
                    .append("naive_ns", SECONDS * 1_000_000_000L + 123_456_789L)
                    .append("naive_us", SECONDS * 1_000_000L + 123_456L)
                    .append("utc_ns", SECONDS * 1_000_000_000L + 123_456_789L)
                    .append("utc_us", SECONDS * 1_000_000L + 123_456L)
                    .append("utc_ms", SECONDS * 1_000L + 120L)
                    .append("last_ms_of_1969", -1L)
                    .append("whole_second", SECONDS * 1_000_000L)
        });

        Document doc = onlyDocument("pandas.parquet");
        assertEquals(
                json.readTree("{\"day\":\"2024-02-29\",\"before_1970\":\"1969-07-20\","
                        + "\"t_ms\":\"03:04:05.120Z\",\"t_us\":\"03:04:05.123456Z\",\"t_ns\":\"03:04:05.123456789\","
                        + "\"midnight\":\"00:00:00\","
                        + "\"naive_ns\":\"2024-01-02T03:04:05.123456789\",\"naive_us\":\"2024-01-02T03:04:05.123456\","
                        + "\"utc_ns\":\"2024-01-02T03:04:05.123456789Z\",\"utc_us\":\"2024-01-02T03:04:05.123456Z\","
                        + "\"utc_ms\":\"2024-01-02T03:04:05.120Z\",\"last_ms_of_1969\":\"1969-12-31T23:59:59.999Z\","
                        + "\"whole_second\":\"2024-01-02T03:04:05Z\"}"),
                doc.metadata());
    }

    /**
     * A TIME adjusted to UTC is a time with its offset, which ISO-8601 writes with {@code Z} as the instant of a
     * TIMESTAMP adjusted to UTC is written; a local TIME, as a local date-time, has none.
     */
    @Test
    void aTimeAdjustedToUtcEndsInZAsATimestampAdjustedToUtcDoes() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message schema {"
                + " optional binary text (STRING);"
                + " optional int32 utc_time (TIME(MILLIS,true)); optional int32 local_time (TIME(MILLIS,false));"
                + " optional int64 utc_timestamp (TIMESTAMP(MILLIS,true));"
                + " optional int64 local_timestamp (TIMESTAMP(MILLIS,false));"
                + " }");
        ParquetRows.write(dir.resolve("offsets.parquet"), schema, groups -> new Group[] {
            groups.newGroup()
                    .append("text", "t")
                    .append("utc_time", 11_045_120)
                    .append("local_time", 11_045_120)
                    .append("utc_timestamp", SECONDS * 1_000L + 120L)
                    .append("local_timestamp", SECONDS * 1_000L + 120L)
        });

        assertEquals(
                json.readTree("{\"utc_time\":\"03:04:05.120Z\",\"local_time\":\"03:04:05.120\","
                        + "\"utc_timestamp\":\"2024-01-02T03:04:05.120Z\","
                        + "\"local_timestamp\":\"2024-01-02T03:04:05.120\"}"),
                onlyDocument("offsets.parquet").metadata());
    }

    /** pyarrow's {@code list<date32>}, {@code map<string, timestamp>} and a struct with a time: the same text inside. */
    @Test
    void insideListsMapsAndStructsToo() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message schema {"
                + " optional binary text (STRING);"
                + " optional group days (LIST) { repeated group list { optional int32 element (DATE); } }"
                + " optional group seen (MAP) { repeated group key_value { required int32 key (DATE);"
                + "   optional int64 value (TIMESTAMP(MICROS,true)); } }"
                + " optional group opening { optional int64 from (TIME(MICROS,true)); optional binary name (STRING); }"
                + " }");
        ParquetRows.write(dir.resolve("nested.parquet"), schema, groups -> {
            Group row = groups.newGroup().append("text", "t");
            Group days = row.addGroup("days");
            days.addGroup("list").append("element", 19_782);
            days.addGroup("list"); // a null date
            row.addGroup("seen").addGroup("key_value").append("key", 0).append("value", SECONDS * 1_000_000L);
            row.addGroup("opening").append("from", 9L * 3600 * 1_000_000).append("name", "morning");
            return new Group[] {row};
        });

        assertEquals(
                json.readTree("{\"days\":[\"2024-02-29\",null],\"seen\":{\"1970-01-01\":\"2024-01-02T03:04:05Z\"},"
                        + "\"opening\":{\"from\":\"09:00:00Z\",\"name\":\"morning\"}}"),
                onlyDocument("nested.parquet").metadata());
    }

    /**
     * Files of older writers (parquet-mr before 1.11, Hive, Impala, Spark 2, pyarrow before 0.15) mark these columns
     * with the legacy converted types alone, no logical type: {@code TIMESTAMP_MILLIS} and {@code TIMESTAMP_MICROS}
     * are instants (the format's compatibility rules say adjusted to UTC), {@code DATE} a date, {@code TIME_MILLIS} a
     * time in UTC, by the same rules. Such a footer is made here from one the Parquet library wrote, its logical types taken out.
     */
    @Test
    void legacyConvertedTypesWithoutALogicalTypeReadAlike() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message hive_schema {"
                + " optional binary text (UTF8);"
                + " optional int64 ts_ms (TIMESTAMP_MILLIS); optional int64 ts_us (TIMESTAMP_MICROS);"
                + " optional int32 day (DATE); optional int32 t_ms (TIME_MILLIS); optional int64 t_us (TIME_MICROS);"
                + " }");
        Path file = dir.resolve("hive.parquet");
        ParquetRows.write(file, schema, groups -> new Group[] {
            groups.newGroup()
                    .append("text", "t")
                    .append("ts_ms", SECONDS * 1_000L + 120L)
                    .append("ts_us", SECONDS * 1_000_000L + 123_456L)
                    .append("day", 19_782)
                    .append("t_ms", 11_045_120)
                    .append("t_us", 11_045_123_456L)
        });
        dropLogicalTypes(file);

        assertEquals(
                json.readTree("{\"ts_ms\":\"2024-01-02T03:04:05.120Z\",\"ts_us\":\"2024-01-02T03:04:05.123456Z\","
                        + "\"day\":\"2024-02-29\",\"t_ms\":\"03:04:05.120Z\",\"t_us\":\"03:04:05.123456Z\"}"),
                onlyDocument("hive.parquet").metadata());
    }

    /** A TIME value outside the day is no time: its row is rejected naming the column, never written as a number. */
    @Test
    void aTimeOutsideTheDayRejectsItsRow() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message schema { optional binary text (STRING); optional int32 at (TIME(MILLIS,true)); }");
        ParquetRows.write(dir.resolve("times.parquet"), schema, groups -> new Group[] {
            groups.newGroup().append("text", "t").append("at", 86_400_000),
            groups.newGroup().append("text", "u").append("at", 86_399_999)
        });

        try (DocumentReader reader = open("times.parquet")) {
            UnusableItem bad = assertInstanceOf(UnusableItem.class, reader.next());
            assertEquals(ItemReason.UNREADABLE_ROW, bad.reason());
            assertEquals(
                    "column 'at' holds 86400000 milliseconds since midnight, which is no time of day (a TIME value is"
                            + " at least 0 and less than a day)",
                    bad.detail());
            Document next = assertInstanceOf(Document.class, reader.next());
            assertEquals("23:59:59.999Z", next.metadata().get("at").asText());
            assertNull(reader.next());
        }
    }

    private Document onlyDocument(String name) throws IOException {
        try (DocumentReader reader = open(name)) {
            Document doc = assertInstanceOf(Document.class, reader.next());
            assertNull(reader.next());
            return doc;
        }
    }

    private DocumentReader open(String name) throws IOException {
        return new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20)
                .open(new FileStorage(dir), name);
    }

    /**
     * Rewrites the file's footer without the schema's logical types, its converted types kept, as a writer that
     * knows only converted types leaves it: the footer is the last thing in the file, before its length and
     * {@code PAR1}, so the column chunks' offsets stay right.
     */
    private static void dropLogicalTypes(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int footerLength = ByteBuffer.wrap(bytes, bytes.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footerStart = bytes.length - 8 - footerLength;
        FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
        boolean converted = false;
        for (SchemaElement element : footer.getSchema()) {
            element.unsetLogicalType();
            converted |= element.isSetConverted_type();
        }
        assertTrue(converted, "the converted types are what is left");
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
        rewritten.write(bytes, 0, footerStart);
        ByteArrayOutputStream newFooter = new ByteArrayOutputStream();
        Util.writeFileMetaData(footer, newFooter);
        newFooter.writeTo(rewritten);
        rewritten.write(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(newFooter.size())
                .array());
        rewritten.write("PAR1".getBytes(StandardCharsets.US_ASCII));
        Files.write(file, rewritten.toByteArray());
        FileMetaData readBack =
                Util.readFileMetaData(new ByteArrayInputStream(rewritten.toByteArray(), footerStart, newFooter.size()));
        assertFalse(
                readBack.getSchema().stream().anyMatch(SchemaElement::isSetLogicalType),
                "no logical type left in "
                        + Arrays.toString(readBack.getSchema().toArray()));
    }
}
