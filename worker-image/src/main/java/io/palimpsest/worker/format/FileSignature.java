package io.palimpsest.worker.format;

import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * What the first bytes of a file say it is, when that is not what its name or {@code input.format}
 * makes the reader expect: only used to explain a file none of whose first records could be read.
 */
public final class FileSignature {

    /** Bytes a caller should read from the file's start for {@link #mismatch}. */
    public static final int HEAD_BYTES = 64;

    private FileSignature() {}

    /** {@link #mismatch} for a stored file; empty when its first bytes cannot be read. */
    public static Optional<String> mismatch(Storage storage, String key, InputFormat format) {
        try (InputStream in = storage.openRange(key, 0, HEAD_BYTES)) {
            return mismatch(in.readNBytes(HEAD_BYTES), key, format);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the hint is a courtesy: the reason the file failed is reported all the same
        }
    }

    /**
     * @param head    the file's first bytes (up to {@link #HEAD_BYTES}; fewer for a short file)
     * @param key     the file's name, whose extension chose the compression
     * @param format  the format it was read in
     * @return a sentence saying what the file looks like and what to do, or empty when its start
     *         says nothing more than the read did
     */
    public static Optional<String> mismatch(byte[] head, String key, InputFormat format) {
        Compression compression = Compression.ofFileName(key);
        if (startsWith(head, 0x1f, 0x8b) && compression != Compression.GZIP) {
            return Optional.of("its bytes start like gzip data (1f 8b) but its name does not end in .gz:"
                    + " rename it (e.g. to .jsonl.gz) so it is decompressed");
        }
        if (startsWith(head, 0x28, 0xb5, 0x2f, 0xfd) && compression != Compression.ZSTD) {
            return Optional.of("its bytes start like zstd data (28 b5 2f fd) but its name does not end in .zst:"
                    + " rename it (e.g. to .jsonl.zst) so it is decompressed");
        }
        if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return Optional.of("it is xz-compressed, which is not read: recompress it with zstd (.jsonl.zst) or gzip"
                    + " (.jsonl.gz)");
        }
        if (startsWith(head, 'B', 'Z', 'h')) {
            return Optional.of("it is bzip2-compressed, which is not read: recompress it with zstd (.jsonl.zst) or"
                    + " gzip (.jsonl.gz)");
        }
        if (startsWith(head, 'P', 'A', 'R', '1') && format != InputFormat.PARQUET) {
            return Optional.of("it is a Parquet file: name it .parquet or set spec.input.format: parquet");
        }
        if (compression != Compression.NONE || format != InputFormat.JSONL) {
            return Optional.empty();
        }
        if (startsWith(head, 0xff, 0xfe) || startsWith(head, 0xfe, 0xff) || utf16WithoutMark(head)) {
            return Optional.of(
                    "it is UTF-16 text; JSON lines are read as UTF-8: convert it (e.g. iconv -f UTF-16 -t" + " UTF-8)");
        }
        int first = firstNonBlank(head);
        if (first >= 0 && head[first] == '[') {
            return Optional.of("it starts with '[': one JSON array, not JSON lines (one object per line); convert it,"
                    + " e.g. jq -c '.[]'");
        }
        if (first >= 0 && head[first] == '{' && restOfLineIsBlank(head, first + 1)) {
            return Optional.of("its first line is only '{': pretty-printed JSON, not JSON lines (one object per"
                    + " line); convert it, e.g. jq -c");
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] head, int... bytes) {
        if (head.length < bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if ((head[i] & 0xff) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** ASCII in UTF-16 without a byte order mark: every other byte is 0. */
    private static boolean utf16WithoutMark(byte[] head) {
        if (head.length < 4) {
            return false;
        }
        return (head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0)
                || (head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0);
    }

    private static int firstNonBlank(byte[] head) {
        int i = startsWith(head, 0xef, 0xbb, 0xbf) ? 3 : 0;
        for (; i < head.length; i++) {
            if (!isBlank(head[i])) {
                return i;
            }
        }
        return -1;
    }

    private static boolean restOfLineIsBlank(byte[] head, int from) {
        for (int i = from; i < head.length; i++) {
            if (head[i] == '\n') {
                return true;
            }
            if (!isBlank(head[i])) {
                return false;
            }
        }
        return false;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
