package io.palimpsest.worker.testing;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A folder whose store fails reading each object after its first {@code bytes} bytes, with a failure it does not
 * declare (a client's unchecked exception): the bytes are sound, the store is not.
 */
public final class FailingReads extends ReadOnlyFolder {

    private final long bytes;
    private final RuntimeException failure;

    public FailingReads(Path root, long bytes, RuntimeException failure) {
        super(root);
        this.bytes = bytes;
        this.failure = failure;
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
}
