package io.palimpsest.worker.format;

import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.ObjectReadException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet file in a store, read by byte ranges where the Parquet library seeks, rather than copied whole: the
 * footer costs one request for the file's last {@link #TAIL_BYTES}, a row group's column chunks one request each, and
 * a file whose rows are not read (a count from the footer) is not downloaded. Every range is read as the version the
 * file had when it was opened ({@link Storage#openRange(String, long, long, String)}): a file rewritten between two
 * reads fails as changed, never splicing two files. The store's own failures reach the reader marked as such
 * ({@link StoreFailure}), so that one is never taken for bytes that do not decode.
 */
final class StoredParquetFile implements InputFile {

    /**
     * The file's end read at the first read near it: the 8 bytes that give the footer's length and, in the same
     * request, the footer itself when it is shorter (a file of a few hundred column chunks).
     */
    static final int TAIL_BYTES = 64 * 1024;

    /** The least a request asks for: a read of a few bytes takes the next ones too, for the reads that follow. */
    static final int MIN_READ_BYTES = 64 * 1024;

    private final Storage storage;
    private final String key;
    private final long length;
    private final String version;

    private StoredParquetFile(Storage storage, String key, long length, String version) {
        this.storage = storage;
        this.key = key;
        this.length = length;
        this.version = version;
    }

    /**
     * The file as it is now: its length and version taken once, every later read pinned to them.
     *
     * @param plannedVersion the version the plan read the file as (null: none recorded)
     * @throws ObjectChangedException when the file is no longer the planned version
     */
    static StoredParquetFile open(Storage storage, String key, String plannedVersion) throws IOException {
        StoredObject now = storage.stat(key);
        if (plannedVersion != null && now.version() != null && !plannedVersion.equals(now.version())) {
            throw new ObjectChangedException(storage.describe(key), plannedVersion, "now " + now.version());
        }
        return new StoredParquetFile(storage, key, now.size(), now.version());
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() {
        return new RangedStream();
    }

    @Override
    public String toString() {
        return storage.describe(key);
    }

    /**
     * A failure of the store while the Parquet library read (an outage past its limit, refused credentials, the file
     * changed or gone): carried through the library, which may wrap it, to the reader, which throws the failure as it
     * is.
     */
    static final class StoreFailure extends IOException {
        StoreFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }

        IOException failure() {
            return (IOException) getCause();
        }

        /** The store's failure somewhere among {@code e}'s causes, if there is one. */
        static IOException in(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof StoreFailure failure) {
                    return failure.failure();
                }
            }
            return null;
        }
    }

    /** Bytes {@code [start, end)} of the file, all of them, as one request. */
    private void fetch(long start, long end, byte[] into, int offset) throws IOException {
        int wanted = Math.toIntExact(end - start);
        try (InputStream in = storage.openRange(key, start, end, version)) {
            int got = in.readNBytes(into, offset, wanted);
            if (got < wanted) {
                throw new ObjectReadException(
                        storage.describe(key) + " ended after " + (start + got) + " of its " + length + " bytes", null);
            }
        } catch (IOException e) {
            throw new StoreFailure(e);
        }
    }

    private final class RangedStream extends SeekableInputStream {
        private long position;
        private byte[] buffer = new byte[0];
        private long bufferStart;

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public void seek(long newPosition) throws IOException {
            if (newPosition < 0 || newPosition > length) {
                throw new EOFException(
                        "seek to " + newPosition + " in " + StoredParquetFile.this + " of " + length + " bytes");
            }
            position = newPosition;
        }

        @Override
        public int read() throws IOException {
            if (position >= length) {
                return -1;
            }
            byte[] one = new byte[1];
            readFully(one, 0, 1);
            return one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int count) throws IOException {
            if (count == 0) {
                return 0;
            }
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(count, length - position);
            readFully(bytes, offset, n);
            return n;
        }

        @Override
        public void readFully(byte[] bytes) throws IOException {
            readFully(bytes, 0, bytes.length);
        }

        @Override
        public void readFully(byte[] bytes, int offset, int count) throws IOException {
            if (count > length - position) {
                throw new EOFException("reading " + count + " bytes at " + position + " of " + StoredParquetFile.this
                        + ", which has " + length);
            }
            int done = fromBuffer(bytes, offset, count);
            int rest = count - done;
            if (rest == 0) {
                return;
            }
            if (rest >= MIN_READ_BYTES) {
                fetch(position, position + rest, bytes, offset + done);
                position += rest;
                return;
            }
            fill();
            fromBuffer(bytes, offset + done, rest);
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            if (!target.hasRemaining()) {
                return 0;
            }
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(target.remaining(), length - position);
            ByteBuffer part = target.slice();
            part.limit(n);
            readFully(part);
            target.position(target.position() + n);
            return n;
        }

        @Override
        public void readFully(ByteBuffer target) throws IOException {
            int count = target.remaining();
            if (target.hasArray()) {
                readFully(target.array(), target.arrayOffset() + target.position(), count);
                target.position(target.position() + count);
            } else {
                byte[] bytes = new byte[count];
                readFully(bytes, 0, count);
                target.put(bytes);
            }
        }

        /** Copies what the buffer holds from the position on, up to {@code count} bytes; how many it copied. */
        private int fromBuffer(byte[] bytes, int offset, int count) {
            long bufferEnd = bufferStart + buffer.length;
            if (position < bufferStart || position >= bufferEnd) {
                return 0;
            }
            int n = (int) Math.min(count, bufferEnd - position);
            System.arraycopy(buffer, (int) (position - bufferStart), bytes, offset, n);
            position += n;
            return n;
        }

        /**
         * Reads into the buffer from the position on: the whole tail when the position is in it (the footer's
         * length, then the footer), otherwise at least {@link #MIN_READ_BYTES}.
         */
        private void fill() throws IOException {
            long tail = Math.max(0, length - TAIL_BYTES);
            long start = position >= tail ? tail : position;
            long end = position >= tail ? length : Math.min(length, position + MIN_READ_BYTES);
            byte[] read = new byte[Math.toIntExact(end - start)];
            fetch(start, end, read, 0);
            buffer = read;
            bufferStart = start;
        }
    }
}
