package io.palimpsest.worker.format;

import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * Stream compression. Both gzip members and zstd frames concatenate: the concatenation of two
 * compressed files decompresses to the concatenation of their contents. Checkpoint parts rely on it,
 * and so do {@code .jsonl.gz} inputs written by tools that append members ({@code pigz}, log shippers).
 * Bytes that cannot be decompressed are a {@link CorruptInputException}, not the end of the data.
 */
public enum Compression {
    NONE(""),
    GZIP(".gz"),
    ZSTD(".zst");

    private final String extension;

    Compression(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    public static Compression ofFileName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".gz") || lower.endsWith(".gzip")) {
            return GZIP;
        }
        if (lower.endsWith(".zst") || lower.endsWith(".zstd")) {
            return ZSTD;
        }
        return NONE;
    }

    /** The spec's {@code output.compression} value: zstd, gzip or none (default zstd). */
    public static Compression ofSetting(String setting) {
        if (setting == null || setting.isBlank()) {
            return ZSTD;
        }
        return switch (setting.toLowerCase(Locale.ROOT)) {
            case "zstd", "zst" -> ZSTD;
            case "gzip", "gz" -> GZIP;
            case "none" -> NONE;
            default ->
                throw new IllegalArgumentException(
                        "output.compression '" + setting + "' is not one of zstd, gzip, none");
        };
    }

    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> GzipMembersInputStream.open(in);
            case ZSTD -> ZstdFramesInputStream.open(in);
        };
    }

    public OutputStream compress(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, 64 * 1024);
            case ZSTD -> new ZstdOutputStreamNoFinalizer(out, 3);
        };
    }
}
