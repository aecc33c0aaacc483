package io.palimpsest.worker.format;

import java.io.IOException;
import java.io.InputStream;

/**
 * JSON lines, optionally gzip or zstd compressed. A blank line is an item counted as skipped, so that
 * every line of the file is accounted for (read = written + rejected + skipped counts lines).
 */
public final class JsonlReader implements DocumentReader {

    private final String file;
    private final InputStream in;
    private final BoundedLineReader lines;
    private final RecordDecoder decoder;
    private final int maxLineBytes;

    public JsonlReader(String file, InputStream decompressed, RecordDecoder decoder, int maxLineBytes) {
        this.file = file;
        this.in = decompressed;
        this.lines = new BoundedLineReader(decompressed, maxLineBytes);
        this.decoder = decoder;
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public InputItem next() throws IOException {
        BoundedLineReader.Line line;
        while ((line = lines.next()) != null) {
            SourcePosition position = new SourcePosition(file, line.number());
            if (line.truncated()) {
                return new UnusableItem(
                        position,
                        null,
                        ItemReason.LINE_TOO_LONG,
                        "line has " + line.totalLength() + " bytes, more than the limit of " + maxLineBytes);
            }
            if (isBlank(line)) {
                return new UnusableItem(position, null, ItemReason.BLANK_LINE, "blank line");
            }
            return decoder.decodeLine(line.bytes(), line.length(), position);
        }
        return null;
    }

    /**
     * Every line is one item (a blank, overlong or malformed one too), so the lines are passed over without being
     * decoded or checked: only decompressed and split.
     */
    @Override
    public long skip(long items) throws IOException {
        long passed = 0;
        while (passed < items && lines.skip()) {
            passed++;
        }
        return passed;
    }

    private static boolean isBlank(BoundedLineReader.Line line) {
        byte[] bytes = line.bytes();
        for (int i = 0; i < line.length(); i++) {
            if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
