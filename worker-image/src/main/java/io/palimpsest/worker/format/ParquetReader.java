package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet rows as documents, one row group in memory at a time. Each row becomes a JSON object
 * (strings, numbers, booleans, nested groups, repeated fields as arrays; raw binary as base64) and
 * then goes through the same {@link RecordDecoder} as JSON lines, so both formats behave alike.
 */
public final class ParquetReader implements DocumentReader {

    private final String file;
    private final ParquetFileReader reader;
    private final MessageType schema;
    private final MessageColumnIO columnIO;
    private final RecordDecoder decoder;
    private RecordReader<Group> rows;
    private long rowsLeftInGroup;
    private long rowNumber;

    public ParquetReader(String file, Path localCopy, RecordDecoder decoder) throws IOException {
        this.file = file;
        this.reader = ParquetFileReader.open(new LocalInputFile(localCopy));
        this.schema = reader.getFooter().getFileMetaData().getSchema();
        this.columnIO = new ColumnIOFactory().getColumnIO(schema);
        this.decoder = decoder;
    }

    @Override
    public InputItem next() throws IOException {
        while (rowsLeftInGroup == 0) {
            PageReadStore group = reader.readNextRowGroup();
            if (group == null) {
                return null;
            }
            rowsLeftInGroup = group.getRowCount();
            rows = columnIO.getRecordReader(group, new GroupRecordConverter(schema));
        }
        rowsLeftInGroup--;
        rowNumber++;
        SourcePosition position = new SourcePosition(file, rowNumber);
        Group row;
        try {
            row = rows.read();
        } catch (RuntimeException e) {
            return new UnusableItem(position, null, ItemReason.UNREADABLE_ROW, String.valueOf(e.getMessage()));
        }
        return decoder.decodeRecord(toJson(row, schema), position);
    }

    private static ObjectNode toJson(Group group, GroupType type) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (int field = 0; field < type.getFieldCount(); field++) {
            Type fieldType = type.getType(field);
            int count = group.getFieldRepetitionCount(field);
            if (fieldType.isRepetition(Type.Repetition.REPEATED)) {
                ArrayNode values = node.putArray(fieldType.getName());
                for (int i = 0; i < count; i++) {
                    values.add(value(group, field, i, fieldType));
                }
            } else if (count > 0) {
                node.set(fieldType.getName(), value(group, field, 0, fieldType));
            }
        }
        return node;
    }

    private static JsonNode value(Group group, int field, int index, Type type) {
        if (!type.isPrimitive()) {
            return toJson(group.getGroup(field, index), type.asGroupType());
        }
        PrimitiveType primitive = type.asPrimitiveType();
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> nodes.booleanNode(group.getBoolean(field, index));
            case INT32 -> nodes.numberNode(group.getInteger(field, index));
            case INT64 -> nodes.numberNode(group.getLong(field, index));
            case FLOAT -> nodes.numberNode(group.getFloat(field, index));
            case DOUBLE -> nodes.numberNode(group.getDouble(field, index));
            case BINARY, FIXED_LEN_BYTE_ARRAY, INT96 ->
                isText(primitive)
                        ? nodes.textNode(group.getString(field, index))
                        : nodes.textNode(Base64.getEncoder()
                                .encodeToString(group.getBinary(field, index).getBytes()));
        };
    }

    private static boolean isText(PrimitiveType type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        return logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
