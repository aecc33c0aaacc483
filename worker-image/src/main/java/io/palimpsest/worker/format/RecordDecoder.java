package io.palimpsest.worker.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.text.BlankText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns one line (bytes) or one parsed record into an {@link InputItem}: strict UTF-8 (no string of
 * the record may escape a lone surrogate either), a JSON object, a non-empty string text field. The
 * id is the id field's value (a string, or a number taken as its text: {@code 1} and {@code "1"} are
 * the same id), or {@code file:line} when the record has none (stable across reruns, unique within
 * the corpus) under the default field {@code id}. A record without a field the job names
 * ({@link FieldMapping#idFieldNamed()}) is rejected {@code missing_id}: given its position instead,
 * it would hold an id of another kind than the records around it, and a later run over the same
 * records with the field filled would not recognise it.
 */
public final class RecordDecoder {

    /** The field of a retry round's input record that holds the document's metadata, kept apart from its id and text. */
    public static final String RETRIED_METADATA = "metadata";
    /** The fields of a retry round's input record that name the line of the campaign's input it came from. */
    public static final String RETRIED_FILE = "file";

    public static final String RETRIED_LINE = "line";

    private final ObjectMapper json;
    private final FieldMapping fields;
    private final boolean retryRoundInput;
    /**
     * One per thread: a CharsetDecoder keeps state across a decode, and the planner's duplicate-id pass
     * reads its shards on several threads through one decoder (shared, two lines at once threw
     * IllegalStateException and stopped the plan).
     */
    private final ThreadLocal<CharsetDecoder> utf8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));

    public RecordDecoder(ObjectMapper json, FieldMapping fields) {
        this(json, fields, false);
    }

    private RecordDecoder(ObjectMapper json, FieldMapping fields, boolean retryRoundInput) {
        this.json = json;
        this.fields = fields;
        this.retryRoundInput = retryRoundInput;
    }

    /**
     * The reader of a retry round's input ({@code retry-rejects}): each record holds the document's {@code id} and
     * {@code text}, its metadata apart in {@value #RETRIED_METADATA} (so a metadata field named {@code id} or
     * {@code text} collides with nothing), and the line of the campaign's input it came from; the round's outputs
     * are then those the run would have written had the document succeeded there. Other fields (the reasons it is
     * retried for) are the round's bookkeeping, not the document's.
     */
    public static RecordDecoder retryRoundInput(ObjectMapper json) {
        return new RecordDecoder(json, FieldMapping.DEFAULT, true);
    }

    /** Which fields hold the text and the id. */
    public FieldMapping fields() {
        return fields;
    }

    public InputItem decodeLine(byte[] bytes, int length, SourcePosition position) {
        if (!isValidUtf8(bytes, length)) {
            return new UnusableItem(position, null, ItemReason.INVALID_UTF8, "line is not valid UTF-8");
        }
        JsonNode node;
        try (JsonParser parser = json.getFactory().createParser(bytes, 0, length)) {
            node = json.readTree(parser);
            String trailing = trailing(parser);
            if (trailing != null) {
                return new UnusableItem(position, null, ItemReason.TRAILING_DATA, trailing);
            }
        } catch (JsonProcessingException e) {
            return new UnusableItem(position, null, ItemReason.MALFORMED_JSON, oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            return new UnusableItem(position, null, ItemReason.MALFORMED_JSON, oneLine(e.getMessage()));
        }
        return decodeRecord(node, position);
    }

    /**
     * What follows the first JSON value on the line, if anything: a second value or bytes that are not
     * JSON at all. Either means the line is not one record; taking the first value would silently
     * drop the rest.
     */
    private static String trailing(JsonParser parser) throws IOException {
        long offset = parser.currentLocation().getByteOffset();
        try {
            if (parser.nextToken() == null) {
                return null;
            }
        } catch (JsonProcessingException notJson) {
            // garbage after the value
        }
        return "the line continues after the JSON value ends at byte " + offset;
    }

    /**
     * Strict UTF-8 check (the decoder in REPORT mode), with an ASCII fast path: Jackson alone would let
     * some malformed sequences through, and a replacement character must never reach the model.
     */
    private boolean isValidUtf8(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] < 0) {
                try {
                    utf8.get().reset().decode(ByteBuffer.wrap(bytes, i, length - i));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true;
    }

    public InputItem decodeRecord(JsonNode node, SourcePosition position) {
        if (node == null || !node.isObject()) {
            return new UnusableItem(position, null, ItemReason.NOT_AN_OBJECT, "record is not a JSON object");
        }
        ObjectNode record = (ObjectNode) node;
        String lone = loneSurrogate(record, "");
        if (lone != null) {
            return new UnusableItem(position, null, ItemReason.INVALID_UTF8, lone);
        }
        if (!record.has(fields.textField())) {
            List<String> present = new ArrayList<>();
            record.fieldNames().forEachRemaining(present::add);
            return new UnusableItem(
                    position,
                    idOf(record, position),
                    ItemReason.MISSING_TEXT,
                    "field '" + fields.textField() + "' is missing",
                    present);
        }
        JsonNode idNode = record.get(fields.idField());
        if (idNode != null && !idNode.isNull() && !idNode.isTextual() && !idNode.isNumber()) {
            return new UnusableItem(
                    position,
                    null,
                    ItemReason.INVALID_ID,
                    "field '" + fields.idField() + "' is " + article(idNode) + ", not a string or a number");
        }
        boolean hasId = idNode != null && !idNode.isNull();
        String id = idOf(record, position);
        JsonNode textNode = record.remove(fields.textField());
        if (textNode.isNull()) {
            // the fields the record has, the text's among them: a file whose texts are all null is told apart from one
            // whose records lack the field
            List<String> present = new ArrayList<>();
            if (idNode != null) {
                present.add(fields.idField());
            }
            present.add(fields.textField());
            record.fieldNames().forEachRemaining(present::add);
            return new UnusableItem(
                    position, id, ItemReason.MISSING_TEXT, "field '" + fields.textField() + "' is null", present);
        }
        if (!textNode.isTextual()) {
            return new UnusableItem(
                    position,
                    id,
                    ItemReason.TEXT_NOT_A_STRING,
                    "field '" + fields.textField() + "' is " + article(textNode) + ", not a string");
        }
        String text = textNode.textValue();
        if (BlankText.isBlank(text)) {
            return new UnusableItem(position, id, ItemReason.EMPTY_TEXT, "field '" + fields.textField() + "' is empty");
        }
        if (!hasId && fields.idFieldNamed()) {
            List<String> present = new ArrayList<>();
            if (idNode != null) {
                present.add(fields.idField()); // there, null: told apart from a record without the field
            }
            present.add(fields.textField());
            record.fieldNames().forEachRemaining(present::add);
            return new UnusableItem(
                    position,
                    null,
                    ItemReason.MISSING_ID,
                    "field '" + fields.idField() + "' is " + (idNode == null ? "missing" : "null"),
                    present);
        }
        return retryRoundInput ? retried(id, text, record, position) : new Document(id, text, record, position);
    }

    private InputItem retried(String id, String text, ObjectNode record, SourcePosition position) {
        JsonNode metadata = record.get(RETRIED_METADATA);
        if (metadata != null && !metadata.isObject()) {
            return new UnusableItem(
                    position, id, ItemReason.NOT_AN_OBJECT, "field '" + RETRIED_METADATA + "' is not an object");
        }
        JsonNode file = record.get(RETRIED_FILE);
        JsonNode line = record.get(RETRIED_LINE);
        SourcePosition origin = file != null && file.isTextual() && line != null && line.canConvertToLong()
                ? new SourcePosition(file.textValue(), line.longValue())
                : position;
        return new Document(
                id, text, metadata == null ? json.createObjectNode() : (ObjectNode) metadata, position, origin);
    }

    /**
     * Where a string of the record holds half of a surrogate pair alone ({@code "\\ud800"}: valid JSON
     * escapes, but no Unicode text, so no UTF-8 either), or null. Left in, it would reach the model and
     * the output as a replacement character.
     */
    private static String loneSurrogate(JsonNode node, String path) {
        if (node.isTextual()) {
            String value = node.textValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.isHighSurrogate(c)
                        && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    return "field '" + path + "' holds a lone surrogate (\\u" + Integer.toHexString(c)
                            + " at character " + i + "), which is not valid Unicode and has no UTF-8 form";
                }
            }
            return null;
        }
        if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var field = it.next();
                String found =
                        loneSurrogate(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = loneSurrogate(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private String idOf(ObjectNode record, SourcePosition position) {
        JsonNode idNode = record.remove(fields.idField());
        if (idNode == null || idNode.isNull() || idNode.isContainerNode()) {
            return position.toString();
        }
        return idNode.asText();
    }

    private static String article(JsonNode node) {
        String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
        return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type;
    }

    private static String oneLine(String message) {
        String flat = message == null ? "" : message.replace('\n', ' ');
        return flat.length() > 300 ? flat.substring(0, 300) : flat;
    }
}
