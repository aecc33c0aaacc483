package io.palimpsest.worker.storage;

/**
 * An object found by {@link Storage#list}: its key relative to the storage root, its size, and the version the store
 * gives of its content ({@link ObjectVersions}: an object store's ETag, a file's last-modified time and inode; null
 * where the store gives none).
 */
public record StoredObject(String key, long size, String version) {

    public StoredObject(String key, long size) {
        this(key, size, null);
    }
}
