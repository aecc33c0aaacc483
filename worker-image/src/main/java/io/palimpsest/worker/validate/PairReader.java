package io.palimpsest.worker.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.BoundedLineReader;
import io.palimpsest.worker.format.Compression;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Pairs from JSON lines, one at a time (plain, .gz or .zst, by file name). A bad line becomes an
 * unreadable pair with its reason instead of stopping the run: an audit of millions of records
 * should report the few broken ones, not die on them. No line is held beyond {@code maxLineBytes}.
 */
public final class PairReader implements Closeable {
    private final InputStream in;
    private final BoundedLineReader lines;
    private final PairFields fields;
    private final ObjectMapper json;
    private final String fileName;

    public PairReader(InputStream raw, String fileName, PairFields fields, int maxLineBytes, ObjectMapper json)
            throws IOException {
        this.in = Compression.ofFileName(fileName).decompress(raw);
        this.lines = new BoundedLineReader(in, maxLineBytes);
        this.fields = fields;
        this.json = json;
        this.fileName = fileName;
    }

    /** The next pair, or null at the end of the input; blank lines are skipped. */
    public Pair next() throws IOException {
        BoundedLineReader.Line line;
        do {
            line = lines.next();
            if (line == null) {
                return null;
            }
        } while (isBlank(line));
        if (line.truncated()) {
            return Pair.unreadable(line.number(), "line of " + line.totalLength() + " bytes is longer than the limit");
        }
        JsonNode record;
        try {
            record = json.readTree(line.bytes(), 0, line.length());
        } catch (IOException e) {
            return Pair.unreadable(line.number(), "not JSON: " + firstLine(e.getMessage()));
        }
        if (record == null || !record.isObject()) {
            return Pair.unreadable(line.number(), "not a JSON object");
        }
        JsonNode source = PairFields.at(record, fields.source());
        JsonNode output = PairFields.at(record, fields.output());
        if (!source.isTextual()) {
            return Pair.unreadable(line.number(), "no text field '" + fields.source() + "'");
        }
        if (output.isMissingNode()) {
            return Pair.unreadable(line.number(), "no field '" + fields.output() + "'");
        }
        if (!output.isTextual() && !output.isNull()) {
            return Pair.unreadable(line.number(), "field '" + fields.output() + "' is not text");
        }
        String id = PairFields.firstText(record, List.of(fields.id()));
        String label = fields.label() == null ? null : label(record, line.number());
        return new Pair(
                line.number(),
                id,
                source.textValue(),
                output.isNull() ? "" : output.textValue(),
                PairFields.firstText(record, fields.finishReason()),
                PairFields.firstInt(record, fields.completionTokens()),
                PairFields.firstInt(record, fields.maxTokens()),
                PairFields.firstText(record, fields.variant()),
                label,
                null);
    }

    /**
     * The pair's label: text, or null when the field is absent, null or blank (a pair without a label).
     * A boolean or a number is refused: whether {@code true} names a defect or a clean pair depends on
     * what the field means, which the file does not say.
     */
    private String label(JsonNode record, long lineNumber) throws IOException {
        JsonNode n = PairFields.at(record, fields.label());
        if (n.isBoolean() || n.isNumber()) {
            throw new IOException(fileName + " line " + lineNumber + ": label field '" + fields.label()
                    + "' is " + (n.isBoolean() ? "a boolean" : "a number") + " (" + n.asText()
                    + "); labels are text, a clean label (--clean-label) or a defect's name: write them as text");
        }
        String label = PairFields.firstText(record, List.of(fields.label()));
        return label == null || label.isBlank() ? null : label;
    }

    private static boolean isBlank(BoundedLineReader.Line line) {
        for (int i = 0; i < line.length(); i++) {
            byte b = line.bytes()[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return !line.truncated();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
