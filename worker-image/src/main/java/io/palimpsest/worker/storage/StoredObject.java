package io.palimpsest.worker.storage;

/**
 * An object found by {@link Storage#list}: its key relative to the storage root, its size, and the store's ETag of
 * its content where the store gives one (an object store; null for files on a volume).
 */
public record StoredObject(String key, long size, String etag) {

    public StoredObject(String key, long size) {
        this(key, size, null);
    }
}
