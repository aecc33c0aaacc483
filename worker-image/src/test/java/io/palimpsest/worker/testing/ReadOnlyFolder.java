package io.palimpsest.worker.testing;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A store over a local folder that is only read: a test's stand-in for a remote input, overriding how its bytes
 * arrive ({@link #open}, {@link #download}). Writes are refused.
 */
public class ReadOnlyFolder implements Storage {

    protected final FileStorage files;

    public ReadOnlyFolder(Path root) {
        this(new FileStorage(root));
    }

    public ReadOnlyFolder(FileStorage files) {
        this.files = files;
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
        return files.open(key);
    }

    @Override
    public InputStream openRange(String key, long start, long endExclusive) throws IOException {
        return files.openRange(key, start, endExclusive);
    }

    @Override
    public boolean exists(String key) throws IOException {
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
