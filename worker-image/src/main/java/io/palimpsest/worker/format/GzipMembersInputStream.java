package io.palimpsest.worker.format;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Every member of a gzip file, one after the other, whatever the source's {@code available()} says:
 * the JDK's {@code GZIPInputStream} looks for a next member only while it is above 0 (JDK-7036144),
 * which a network body never reports, so a multi-member file read from S3 ended after its first
 * member. Bytes after a member that do not start another one, a member cut short and a damaged member
 * are a {@link CorruptInputException}; an exception of the source itself (the store) passes unchanged.
 */
final class GzipMembersInputStream extends FilterInputStream {

    private final Source source;

    private GzipMembersInputStream(InputStream decompressed, Source source) {
        super(decompressed);
        this.source = source;
    }

    static InputStream open(InputStream compressed) throws IOException {
        Source source = new Source(compressed);
        try {
            return new GzipMembersInputStream(
                    GzipCompressorInputStream.builder()
                            .setInputStream(source)
                            .setDecompressConcatenated(true)
                            .get(),
                    source);
        } catch (IOException e) {
            source.close();
            throw source.classify(e);
        }
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException e) {
            throw source.classify(e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (IOException e) {
            throw source.classify(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException e) {
            throw source.classify(e);
        }
    }

    /** The compressed bytes; remembers the last failure it passed on, so the decoder's own can be told apart. */
    private static final class Source extends FilterInputStream {
        private IOException lastFailure;
        /** Compressed bytes handed to the decoder so far: where the data ended when it ends inside a member. */
        private long position;

        private long marked;

        Source(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                if (b >= 0) {
                    position++;
                }
                return b;
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    position += n;
                }
                return n;
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                long skipped = super.skip(n);
                position += Math.max(0, skipped);
                return skipped;
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public synchronized void mark(int readLimit) {
            super.mark(readLimit);
            marked = position;
        }

        @Override
        public synchronized void reset() throws IOException {
            try {
                super.reset();
                position = marked;
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        IOException classify(IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t == lastFailure) {
                    return e;
                }
            }
            if (e instanceof CorruptInputException) {
                return e;
            }
            if (e instanceof EOFException) {
                return new CorruptInputException(
                        "gzip member truncated at byte " + position + ": the file ends inside it", e);
            }
            if (String.valueOf(e.getMessage()).contains("not in the .gz format")) {
                // the decoder's words for a first member whose magic bytes are wrong
                return new CorruptInputException("not gzip: bad magic bytes, where a gzip file starts with 1f 8b", e);
            }
            return new CorruptInputException("not valid gzip data: " + e.getMessage(), e);
        }
    }
}
