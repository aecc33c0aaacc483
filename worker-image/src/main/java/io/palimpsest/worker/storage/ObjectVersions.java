package io.palimpsest.worker.storage;

import java.nio.file.attribute.FileTime;

/**
 * The words a store gives of one object's content at one moment, which a plan records and a worker compares before
 * reading ({@link StoredObject#version()}): equal words, the content the plan read (as far as the store can tell);
 * other words, an object rewritten, replaced or touched since. They name what they are, so a message can quote them.
 */
public final class ObjectVersions {

    private ObjectVersions() {}

    /** An object store's ETag, quoted once whether the store quoted it or not; null for none. */
    public static String etag(String etag) {
        if (etag == null) {
            return null;
        }
        String bare = etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : etag;
        return "ETag \"" + bare + "\"";
    }

    /** The ETag in a version {@link #etag} wrote, quoted as an {@code If-Match} header wants it; null for another. */
    static String ifMatch(String version) {
        String prefix = "ETag ";
        return version != null && version.startsWith(prefix) ? version.substring(prefix.length()) : null;
    }

    /**
     * A file's last-modified time, at the resolution the file system gives it, and its inode where the system gives
     * one (null: none), so a file replaced by another renamed over it is told even when size and time are the old
     * file's. The device is not part of it: one volume mounted in two pods (a PVC) has another device number in each.
     */
    public static String file(FileTime modified, Object inode) {
        return "mtime " + modified.toInstant() + (inode == null ? "" : " inode " + inode);
    }
}
