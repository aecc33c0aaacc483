package io.palimpsest.worker.format;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The zstd frames of a file, one after the other. Bytes the decoder cannot take (no zstd frame where one
 * should start, a damaged frame, a file that ends inside a frame) are a {@link CorruptInputException} saying
 * which and at what byte; an exception of the source itself (the store) passes unchanged.
 */
final class ZstdFramesInputStream extends FilterInputStream {

    private final CountingInputStream source;
    private long decompressed;

    private ZstdFramesInputStream(InputStream decoder, CountingInputStream source) {
        super(decoder);
        this.source = source;
    }

    static InputStream open(InputStream compressed) throws IOException {
        CountingInputStream source = new CountingInputStream(compressed);
        return new ZstdFramesInputStream(new ZstdInputStreamNoFinalizer(source).setContinuous(false), source);
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b >= 0) {
                decompressed++;
            }
            return b;
        } catch (ZstdIOException e) {
            throw classify(e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                decompressed += n;
            }
            return n;
        } catch (ZstdIOException e) {
            throw classify(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            long skipped = super.skip(n);
            decompressed += Math.max(0, skipped);
            return skipped;
        } catch (ZstdIOException e) {
            throw classify(e);
        }
    }

    /** The decoder's own failure (never the source's: the decoder passes those on as they are). */
    private CorruptInputException classify(ZstdIOException e) {
        String said = String.valueOf(e.getMessage());
        if (said.contains("Truncated source")) {
            return new CorruptInputException(
                    "zstd frame truncated at byte " + source.count() + ": the file ends inside it", e);
        }
        if (said.contains("Unknown frame descriptor") && decompressed == 0) {
            return new CorruptInputException("not zstd: bad magic bytes, where a zstd file starts with 28 b5 2f fd", e);
        }
        return new CorruptInputException(
                "not valid zstd data (within the first " + source.count() + " bytes): " + said, e);
    }
}
