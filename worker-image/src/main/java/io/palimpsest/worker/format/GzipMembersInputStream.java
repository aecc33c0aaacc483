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

        Source(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                return super.read(buffer, offset, length);
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                lastFailure = e;
                throw e;
            }
        }

        @Override
        public synchronized void reset() throws IOException {
            try {
                super.reset();
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
                return new CorruptInputException("gzip data ends inside a member (the file is truncated)", e);
            }
            return new CorruptInputException("not valid gzip data: " + e.getMessage(), e);
        }
    }
}
