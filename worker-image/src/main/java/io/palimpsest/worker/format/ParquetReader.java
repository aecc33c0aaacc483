package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet rows as documents, one row group in memory at a time. Each row becomes a JSON object
 * (strings, numbers, booleans, nested groups, repeated fields and LIST columns as arrays, MAP columns as objects,
 * decimals, unsigned integers and half floats as numbers, UUIDs as their text, dates, times and timestamps (INT96 ones
 * too) as ISO-8601 text, an instant or a time ending in {@code Z} where the column is adjusted to UTC; raw binary as
 * base64) and
 * then goes through the same {@link RecordDecoder} as JSON lines, so both formats behave alike.
 *
 * <p>Strings are decoded strictly: a row with a string that is not valid UTF-8 is rejected
 * ({@code invalid_utf8}), never passed on with replacement characters. The text and id columns are
 * read as UTF-8 text also when they are plain {@code BINARY} without a {@code STRING} annotation, as
 * older Hive and Impala writers leave them (what Spark's {@code binaryAsString} does); other
 * un-annotated binary columns stay base64.
 *
 * <p>A row whose string and binary values come to more than {@code maxRowBytes} is rejected
 * ({@code line_too_long}, naming the column that crossed the bound) before any of them is decoded, as
 * a JSON line over the bound is: a 100 MB value (a few KB of compressed zeros) must not become a
 * 200 MB string. The page that holds it is still decompressed by the Parquet library, and a row group's compressed
 * column chunks are read whole: a file's largest row group, compressed, and its largest page bound the heap a Parquet
 * input needs, and a file whose row group is more than {@code maxRowGroupBytes} is refused when opened.
 */
public final class ParquetReader implements DocumentReader {

    /**
     * The libraries' chatter that asks nothing of the user, kept out of {@code local}'s and {@code show}'s output: a
     * codec pool's "Got brand-new decompressor" for each codec, Hadoop's "Unable to load native-hadoop library" (its
     * Java codecs are the ones meant), and "Read empty block" for a row group of no rows (a zero-row file pyarrow
     * writes). Held here: java.util.logging keeps only weak references to loggers, and a level set on one that is
     * collected is lost.
     */
    private static final List<Logger> QUIETED = List.of(
            quieted("org.apache.hadoop.io.compress.CodecPool", Level.WARNING),
            quieted("org.apache.hadoop.util.NativeCodeLoader", Level.SEVERE),
            quieted("org.apache.parquet.hadoop.ParquetFileReader", Level.SEVERE));

    private static Logger quieted(String name, Level level) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(level);
        return logger;
    }

    private final String file;
    private final ParquetFileReader reader;
    private final MessageType schema;
    private final MessageColumnIO columnIO;
    private final RecordDecoder decoder;
    private final Set<String> textColumns;
    /** The text column's type when it holds dates or times: each row is refused as text that is not a string. */
    private final String textColumnOfTime;

    private final int maxRowBytes;
    /** String and binary bytes of the row being converted so far. */
    private long rowBytes;

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    /** The file's row groups, as its footer lists them. */
    private final List<BlockMetaData> rowGroups;
    /** The index in {@link #rowGroups} of the row group the Parquet reader reads or skips next. */
    private int nextRowGroup;

    private RecordReader<Group> rows;
    private long rowsLeftInGroup;
    private long rowNumber;

    /**
     * The compressed row group a reader may hold: half the heap, so that a row group that would leave the run too
     * little room is refused naming its size rather than failing every attempt for want of heap.
     */
    static long defaultMaxRowGroupBytes() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /** @param maxRowGroupBytes the largest compressed row group this reader may hold (it reads row groups whole) */
    public ParquetReader(String file, Path localCopy, RecordDecoder decoder, int maxRowBytes, long maxRowGroupBytes)
            throws IOException {
        this(file, new NamedInputFile(localCopy, file), decoder, maxRowBytes, maxRowGroupBytes);
    }

    /**
     * @param input the file's bytes where the library seeks: a local file, or a stored one read by ranges
     *              ({@link StoredParquetFile})
     */
    ParquetReader(String file, InputFile input, RecordDecoder decoder, int maxRowBytes, long maxRowGroupBytes)
            throws IOException {
        this.file = file;
        this.maxRowBytes = maxRowBytes;
        try {
            this.reader = ParquetFileReader.open(input);
        } catch (IOException | RuntimeException e) {
            throw corrupt("parquet footer unreadable, so not a Parquet file or one cut short", e);
        }
        try {
            requireDecompressors(reader);
            requireRowGroupsWithin(reader, maxRowGroupBytes);
        } catch (CorruptInputException e) {
            reader.close();
            throw e;
        }
        this.schema = reader.getFooter().getFileMetaData().getSchema();
        this.rowGroups = reader.getRowGroups();
        this.columnIO = new ColumnIOFactory().getColumnIO(schema);
        this.decoder = decoder;
        this.textColumns = Set.of(decoder.fields().textField(), decoder.fields().idField());
        this.textColumnOfTime = timeType(schema, decoder.fields().textField());
    }

    /**
     * The type's name when the row's column {@code name} holds dates or times (DATE, TIME, TIMESTAMP, INT96), which
     * read as ISO-8601 text in a document's metadata but are no text to rewrite; null otherwise.
     */
    private static String timeType(MessageType schema, String name) {
        if (!schema.containsField(name) || !schema.getType(name).isPrimitive()) {
            return null;
        }
        PrimitiveType column = schema.getType(name).asPrimitiveType();
        LogicalTypeAnnotation logical = column.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
            return "DATE";
        }
        if (logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
            return "TIME";
        }
        if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
            return "TIMESTAMP";
        }
        return column.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT96 ? "INT96" : null;
    }

    /** The schema's top-level columns: the fields a row's record is made of ({@link #toJson}). */
    @Override
    public Optional<Set<String>> declaredFields() {
        return Optional.of(schema.getFields().stream().map(Type::getName).collect(Collectors.toUnmodifiableSet()));
    }

    @Override
    public InputItem next() throws IOException {
        while (rowsLeftInGroup == 0) {
            if (!openNextRowGroup()) {
                return null;
            }
        }
        Group row = readRow();
        SourcePosition position = new SourcePosition(file, rowNumber);
        if (textColumnOfTime != null) {
            return new UnusableItem(
                    position,
                    null,
                    ItemReason.TEXT_NOT_A_STRING,
                    "field '" + decoder.fields().textField() + "' is a Parquet " + textColumnOfTime
                            + " column, a date or time, not a string");
        }
        ObjectNode record;
        try {
            rowBytes = 0;
            record = toJson(row, schema, true);
        } catch (NotUtf8 e) {
            return new UnusableItem(
                    position, null, ItemReason.INVALID_UTF8, "column '" + e.column + "' is not valid UTF-8");
        } catch (NotATimeOfDay e) {
            return new UnusableItem(
                    position,
                    null,
                    ItemReason.UNREADABLE_ROW,
                    "column '" + e.column + "' holds " + e.stored + " " + e.unit + " since midnight, which is no time"
                            + " of day (a TIME value is at least 0 and less than a day)");
        } catch (RowTooLarge e) {
            return new UnusableItem(
                    position,
                    null,
                    ItemReason.LINE_TOO_LONG,
                    "row has at least " + e.bytes + " bytes of string and binary values (reached at column '" + e.column
                            + "'), more than the limit of " + maxRowBytes);
        }
        return decoder.decodeRecord(record, position);
    }

    /**
     * Passes over whole row groups that end before the rows wanted, by the row counts in the footer, without reading
     * their pages; only the rows before the wanted one within its own row group are read (assembled, not converted),
     * so a range late in a file costs what its own row group costs. Every row is one item, a row that would be
     * rejected too, so the rows passed over are the items {@link #next()} would have handed out.
     */
    @Override
    public long skip(long items) throws IOException {
        long passed = 0;
        while (passed < items) {
            if (rowsLeftInGroup > 0) {
                readRow();
                passed++;
            } else if (nextRowGroup < rowGroups.size()
                    && rowGroups.get(nextRowGroup).getRowCount() <= items - passed) {
                long groupRows = rowGroups.get(nextRowGroup).getRowCount();
                reader.skipNextRowGroup();
                nextRowGroup++;
                rowNumber += groupRows;
                passed += groupRows;
            } else if (!openNextRowGroup()) {
                break;
            }
        }
        return passed;
    }

    /**
     * The rows left, by the footer's row counts: every row is one item ({@link #skip}), so this is what {@link #next()}
     * would hand out, a row it would reject too, and none is read. A file whose pages do not decode is counted all the
     * same; what reads its rows (the planner's duplicate-id pass, a worker) finds it corrupt.
     */
    @Override
    public long itemsLeft(long atMost) {
        long rows = rowsLeftInGroup;
        for (int group = nextRowGroup; group < rowGroups.size() && rows < atMost; group++) {
            rows += rowGroups.get(group).getRowCount();
        }
        return Math.min(rows, atMost);
    }

    /**
     * Reads the next row group that has rows (a zero-row one, which pyarrow writes for an empty table, is passed over);
     * false at the end of the file.
     */
    private boolean openNextRowGroup() throws IOException {
        try {
            while (nextRowGroup < rowGroups.size()
                    && rowGroups.get(nextRowGroup).getRowCount() == 0) {
                reader.skipNextRowGroup();
                nextRowGroup++;
            }
            PageReadStore group = reader.readNextRowGroup();
            if (group == null) {
                return false;
            }
            nextRowGroup++;
            rows = columnIO.getRecordReader(group, new GroupRecordConverter(schema));
            rowsLeftInGroup = group.getRowCount();
            return true;
        } catch (IOException | RuntimeException e) {
            throw corrupt("the row group after row " + rowNumber + " cannot be read", e);
        }
    }

    /** The current row group's next row, assembled from its pages; {@link #rowNumber} is then its number. */
    private Group readRow() throws IOException {
        rowsLeftInGroup--;
        rowNumber++;
        try {
            return rows.read();
        } catch (RuntimeException e) {
            // A page that cannot be decoded leaves the record reader unable to go on: every later row of
            // the group would fail the same way, so the file is corrupt, not this row.
            throw corrupt("row " + rowNumber + " cannot be decoded", e);
        }
    }

    private ObjectNode toJson(Group group, GroupType type, boolean topLevel)
            throws NotUtf8, RowTooLarge, NotATimeOfDay {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (int field = 0; field < type.getFieldCount(); field++) {
            Type fieldType = type.getType(field);
            int count = group.getFieldRepetitionCount(field);
            if (fieldType.isRepetition(Type.Repetition.REPEATED)) {
                ArrayNode values = node.putArray(fieldType.getName());
                for (int i = 0; i < count; i++) {
                    values.add(value(group, field, i, fieldType, false));
                }
            } else if (count > 0) {
                node.set(fieldType.getName(), value(group, field, 0, fieldType, topLevel));
            } else if (topLevel && textColumns.contains(fieldType.getName())) {
                // a null in the text or id column is JSON's null, not a field the record lacks: said "is null"
                node.putNull(fieldType.getName());
            }
        }
        return node;
    }

    /** @param topLevel a column of the row itself (only there can it be the text or id column) */
    private JsonNode value(Group group, int field, int index, Type type, boolean topLevel)
            throws NotUtf8, RowTooLarge, NotATimeOfDay {
        if (!type.isPrimitive()) {
            Group value = group.getGroup(field, index);
            GroupType groupType = type.asGroupType();
            LogicalTypeAnnotation logical = groupType.getLogicalTypeAnnotation();
            if (isWrapper(groupType) && logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
                return list(value, groupType);
            }
            if (isWrapper(groupType)
                    && (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
                            || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
                    && !groupType.getType(0).isPrimitive()
                    && groupType.getType(0).asGroupType().getFieldCount() == 2) {
                return map(value, groupType.getType(0).asGroupType());
            }
            return toJson(value, groupType, false);
        }
        PrimitiveType primitive = type.asPrimitiveType();
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal) {
            return nodes.numberNode(new BigDecimal(unscaled(group, field, index, primitive), decimal.getScale()));
        }
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation integer && !integer.isSigned()) {
            return primitive.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64
                    ? nodes.numberNode(new BigInteger(Long.toUnsignedString(group.getLong(field, index))))
                    : nodes.numberNode(Integer.toUnsignedLong(group.getInteger(field, index)));
        }
        if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation) {
            return nodes.numberNode(halfFloat(group.getBinary(field, index)));
        }
        if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
            ByteBuffer bytes = group.getBinary(field, index).toByteBuffer();
            return nodes.textNode(new UUID(bytes.getLong(), bytes.getLong()).toString());
        }
        if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
            return nodes.textNode(
                    LocalDate.ofEpochDay(group.getInteger(field, index)).toString());
        }
        if (logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation time) {
            long stored = primitive.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
                    ? group.getInteger(field, index)
                    : group.getLong(field, index);
            return nodes.textNode(timeOfDay(stored, time.getUnit(), time.isAdjustedToUTC(), type.getName()));
        }
        if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation timestamp) {
            return nodes.textNode(timestamp(group.getLong(field, index), timestamp));
        }
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> nodes.booleanNode(group.getBoolean(field, index));
            case INT32 -> nodes.numberNode(group.getInteger(field, index));
            case INT64 -> nodes.numberNode(group.getLong(field, index));
            case FLOAT -> nodes.numberNode(group.getFloat(field, index));
            case DOUBLE -> nodes.numberNode(group.getDouble(field, index));
            case INT96 -> nodes.textNode(int96Instant(group.getInt96(field, index)));
            case BINARY, FIXED_LEN_BYTE_ARRAY -> {
                Binary value = counted(group.getBinary(field, index), type.getName());
                yield isText(primitive) || isUnannotatedTextColumn(primitive, topLevel)
                        ? nodes.textNode(utf8(value, type.getName()))
                        : nodes.textNode(Base64.getEncoder().encodeToString(value.getBytes()));
            }
        };
    }

    /** A FLOAT16 value: an IEEE 754 half-precision number, little-endian. */
    private static double halfFloat(Binary value) {
        ByteBuffer bytes = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int bits = bytes.getShort() & 0xFFFF;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        double magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24;
        } else if (exponent == 0x1F) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            magnitude = Math.scalb(1 + mantissa / 1024.0, exponent - 15);
        }
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** The Julian day of 1970-01-01. */
    private static final long UNIX_EPOCH_JULIAN_DAY = 2_440_588L;

    /**
     * An INT96 timestamp (Spark's default, Impala's and Hive's) as an ISO-8601 instant: nanoseconds of the day, then
     * the Julian day, both little-endian.
     */
    private static String int96Instant(Binary value) {
        ByteBuffer bytes = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = bytes.getLong();
        long julianDay = bytes.getInt() & 0xFFFFFFFFL;
        return dateTime((julianDay - UNIX_EPOCH_JULIAN_DAY) * 86_400L, nanosOfDay, true);
    }

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /**
     * A TIMESTAMP value (an {@code INT64} count of its unit since 1970-01-01T00:00): an instant when the column is
     * adjusted to UTC (pandas' and Polars' timezone-aware columns, Spark's {@code TIMESTAMP}, the legacy
     * {@code TIMESTAMP_MILLIS} and {@code TIMESTAMP_MICROS}), a local date-time otherwise (pandas' naive
     * {@code datetime64}, Spark's {@code TIMESTAMP_NTZ}).
     */
    private static String timestamp(long stored, LogicalTypeAnnotation.TimestampLogicalTypeAnnotation type) {
        long perSecond = unitsPerSecond(type.getUnit());
        return dateTime(
                Math.floorDiv(stored, perSecond),
                Math.floorMod(stored, perSecond) * (NANOS_PER_SECOND / perSecond),
                type.isAdjustedToUTC());
    }

    /**
     * Seconds and nanoseconds since 1970-01-01T00:00 as ISO-8601 text, seconds always written and the fraction in
     * groups of three digits as {@link Instant#toString()} writes it ({@code 2024-01-02T03:04:05.120Z}); without the
     * {@code Z} for a local date-time, whose digits are the same.
     */
    static String dateTime(long epochSecond, long nanos, boolean instant) {
        String text = Instant.ofEpochSecond(epochSecond, nanos).toString();
        return instant ? text : text.substring(0, text.length() - 1);
    }

    /**
     * A TIME value (a count of its unit since midnight) as ISO-8601 text, written as a timestamp's time is: a time in
     * UTC ending in {@code Z} when the column is adjusted to UTC, as a TIMESTAMP's instant does ({@code 03:04:05.123Z};
     * the legacy {@code TIME_MILLIS} and {@code TIME_MICROS} are, by the format's compatibility rules), a local time
     * otherwise ({@code 03:04:00}).
     *
     * @throws NotATimeOfDay when the count is not within one day
     */
    private static String timeOfDay(long stored, LogicalTypeAnnotation.TimeUnit unit, boolean utc, String column)
            throws NotATimeOfDay {
        long perSecond = unitsPerSecond(unit);
        if (stored < 0 || stored >= 86_400L * perSecond) {
            throw new NotATimeOfDay(column, stored, unit);
        }
        String text = dateTime(0, stored * (NANOS_PER_SECOND / perSecond), utc);
        return text.substring(text.indexOf('T') + 1);
    }

    private static long unitsPerSecond(LogicalTypeAnnotation.TimeUnit unit) {
        return switch (unit) {
            case MILLIS -> 1_000L;
            case MICROS -> 1_000_000L;
            case NANOS -> NANOS_PER_SECOND;
        };
    }

    /** A TIME value outside the day: the row is rejected, naming the column and the value. */
    private static final class NotATimeOfDay extends Exception {
        final String column;
        final long stored;
        final String unit;

        NotATimeOfDay(String column, long stored, LogicalTypeAnnotation.TimeUnit unit) {
            super(null, null, false, false);
            this.column = column;
            this.stored = stored;
            this.unit = switch (unit) {
                case MILLIS -> "milliseconds";
                case MICROS -> "microseconds";
                case NANOS -> "nanoseconds";
            };
        }
    }

    /** A binary value, its bytes counted against the row's bound. */
    private Binary counted(Binary value, String column) throws RowTooLarge {
        rowBytes += value.length();
        if (rowBytes > maxRowBytes) {
            throw new RowTooLarge(column, rowBytes);
        }
        return value;
    }

    private BigInteger unscaled(Group group, int field, int index, PrimitiveType type) throws RowTooLarge {
        return switch (type.getPrimitiveTypeName()) {
            case INT32 -> BigInteger.valueOf(group.getInteger(field, index));
            case INT64 -> BigInteger.valueOf(group.getLong(field, index));
            default ->
                new BigInteger(
                        counted(group.getBinary(field, index), type.getName()).getBytes());
        };
    }

    /** A LIST or MAP group as the format lays it out: one repeated field inside, anything else is read as a group. */
    private static boolean isWrapper(GroupType type) {
        return type.getFieldCount() == 1 && type.getType(0).isRepetition(Type.Repetition.REPEATED);
    }

    /**
     * A LIST group's elements as a JSON array, in the layouts the format's backward-compatibility rules name: the
     * standard three levels ({@code repeated group list { element }}), and the two-level ones older Hive, Spark and
     * Thrift writers leave (a repeated primitive, or a repeated group that is itself the element: one with several
     * fields, or one named {@code array} or {@code <list>_tuple}). A missing element is JSON's null.
     */
    private ArrayNode list(Group list, GroupType type) throws NotUtf8, RowTooLarge, NotATimeOfDay {
        Type repeated = type.getType(0);
        ArrayNode values = JsonNodeFactory.instance.arrayNode();
        int count = list.getFieldRepetitionCount(0);
        boolean elementIsRepeated = repeated.isPrimitive()
                || repeated.asGroupType().getFieldCount() != 1
                || repeated.getName().equals("array")
                || repeated.getName().equals(type.getName() + "_tuple");
        for (int i = 0; i < count; i++) {
            if (elementIsRepeated) {
                values.add(value(list, 0, i, repeated, false));
            } else {
                Group wrapper = list.getGroup(0, i);
                values.add(
                        wrapper.getFieldRepetitionCount(0) == 0
                                ? JsonNodeFactory.instance.nullNode()
                                : value(wrapper, 0, 0, repeated.asGroupType().getType(0), false));
            }
        }
        return values;
    }

    /** A MAP group's entries as a JSON object, keyed by each key's text; a missing value is JSON's null. */
    private ObjectNode map(Group map, GroupType keyValue) throws NotUtf8, RowTooLarge, NotATimeOfDay {
        ObjectNode entries = JsonNodeFactory.instance.objectNode();
        int count = map.getFieldRepetitionCount(0);
        for (int i = 0; i < count; i++) {
            Group entry = map.getGroup(0, i);
            if (entry.getFieldRepetitionCount(0) == 0) {
                continue; // a map's key is required: a writer that left one out left no entry to name
            }
            String key = value(entry, 0, 0, keyValue.getType(0), false).asText();
            entries.set(
                    key,
                    entry.getFieldRepetitionCount(1) == 0
                            ? JsonNodeFactory.instance.nullNode()
                            : value(entry, 1, 0, keyValue.getType(1), false));
        }
        return entries;
    }

    /** The row's values come to more than the bound: the row is rejected, naming the column that crossed it. */
    private static final class RowTooLarge extends Exception {
        final String column;
        final long bytes;

        RowTooLarge(String column, long bytes) {
            super(null, null, false, false);
            this.column = column;
            this.bytes = bytes;
        }
    }

    private boolean isUnannotatedTextColumn(PrimitiveType type, boolean topLevel) {
        return topLevel
                && type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                && type.getLogicalTypeAnnotation() == null
                && textColumns.contains(type.getName());
    }

    private String utf8(Binary value, String column) throws NotUtf8 {
        try {
            return utf8.reset().decode(value.toByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new NotUtf8(column);
        }
    }

    /** A string column's value is not valid UTF-8: the row is rejected, naming the column. */
    private static final class NotUtf8 extends Exception {
        final String column;

        NotUtf8(String column) {
            super(null, null, false, false);
            this.column = column;
        }
    }

    private static boolean isText(PrimitiveType type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        return logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    }

    /**
     * Refuses a file with a column compressed by a codec this reader has no decompressor for (Brotli, which pyarrow
     * writes on request; LZO from old Hadoop jobs; Hadoop's framed LZ4, Spark's {@code lz4}) when it is opened, naming
     * the column: its first row group would otherwise fail with the name of a missing class.
     */
    private static void requireDecompressors(ParquetFileReader reader) throws CorruptInputException {
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
                CompressionCodecName codec = column.getCodec();
                if (!hasDecompressor(codec)) {
                    throw new CorruptInputException(
                            "column '" + column.getPath().toDotString() + "' is compressed with " + codec
                                    + ", which this reader has no decompressor for (it reads UNCOMPRESSED, SNAPPY,"
                                    + " GZIP, ZSTD and LZ4_RAW): write the file again with one of those (ZSTD or"
                                    + " SNAPPY, for instance)",
                            null);
                }
            }
        }
    }

    /**
     * Refuses a file with a row group of more compressed bytes than {@code max}: the Parquet library reads a row
     * group's column chunks whole (their pages are decompressed one at a time), and pyarrow and pandas write a table of
     * under a million rows as one row group, so a 2 GB corpus can be one. Refused when opened, naming the row group, it
     * says what to do; read, it failed every attempt for want of heap.
     */
    private static void requireRowGroupsWithin(ParquetFileReader reader, long max) throws CorruptInputException {
        var blocks = reader.getFooter().getBlocks();
        for (int i = 0; i < blocks.size(); i++) {
            long bytes = blocks.get(i).getCompressedSize();
            if (bytes > max) {
                throw new CorruptInputException(
                        "row group " + (i + 1) + " of " + blocks.size() + " holds " + bytes + " bytes compressed, more"
                                + " than the " + max + " a reader may hold (half the heap): it is read whole, so write"
                                + " the file again with smaller row groups (pyarrow and pandas: row_group_size; Polars:"
                                + " row_group_size; Spark: parquet.block.size; DuckDB: ROW_GROUP_SIZE) or give the"
                                + " process more memory",
                        null);
            }
        }
    }

    /**
     * Whether the Parquet library finds the codec's class, as it does when it decompresses a page, and the library
     * that class decompresses with: Hadoop's framed LZ4 codec (Spark's {@code lz4}) is there, lz4-java is not, and its
     * first page threw NoClassDefFoundError.
     */
    private static boolean hasDecompressor(CompressionCodecName codec) {
        String className = codec.getHadoopCompressionCodecClassName();
        if (className == null) {
            return true;
        }
        return loads(className) && (codec != CompressionCodecName.LZ4 || loads("net.jpountz.lz4.LZ4Factory"));
    }

    private static boolean loads(String className) {
        try {
            Class.forName(className, false, ParquetReader.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Parquet's own errors about the bytes (not a Parquet file, a page or footer that does not decode)
     * as corrupt input; a file system's error (a file gone, access refused) and a store's stay what they are.
     */
    private IOException corrupt(String what, Exception e) {
        if (e instanceof FileSystemException fileSystem) {
            return fileSystem;
        }
        IOException store = StoredParquetFile.StoreFailure.in(e);
        if (store != null) {
            return store; // the store's failure while the library read (down, refusing, the file changed): no bytes
        }
        return new CorruptInputException(what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    /** A local Parquet file whose messages name the input file, not {@code LocalInputFile@1d0b5210}. */
    private static final class NamedInputFile extends LocalInputFile {
        private final String name;

        NamedInputFile(Path path, String name) {
            super(path);
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
