package io.palimpsest.worker.testing;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A folder whose store fails reading each object after its first {@code bytes} bytes, with a failure it does not
 * declare (a client's unchecked exception): the bytes are sound, the store is not.
 */
public final class FailingReads implements Storage {

    private final FileStorage files;
    private final long bytes;
    private final RuntimeException failure;

    public FailingReads(Path root, long bytes, RuntimeException failure) {
        this.files = new FileStorage(root);
        this.bytes = bytes;
        this.failure = failure;
    }

    @Override
    public String describe() {
        return files.describe();
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        return files.list(prefix);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return new FilterInputStream(files.open(key)) {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (read >= bytes) {
                    throw failure;
                }
                int n = super.read(buffer, offset, (int) Math.min(length, bytes - read));
                read += Math.max(0, n);
                return n;
            }
        };
    }

    @Override
    public InputStream openRange(String key, long start, long endExclusive) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean exists(String key) {
        return files.exists(key);
    }

    @Override
    public void put(String key, Path localFile) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void put(String key, byte[] content) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean createIfAbsent(String key, byte[] content) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void concatenate(List<String> partKeys, String targetKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String key) {
        throw new UnsupportedOperationException();
    }
}
