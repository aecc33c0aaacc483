package io.palimpsest.worker.storage;

import java.io.IOException;

/**
 * An object read in parts is no longer the version its first part was read from: rewritten, replaced or deleted
 * between two of its reads. Its parts would splice two files, so the read stops; what the file holds now is another
 * input than the one being read, as a worker finds a file changed since it was planned.
 */
public final class ObjectChangedException extends IOException {

    public ObjectChangedException(String object, String version, String detail) {
        super(object + " changed while it was read: it was read as " + version + ", " + detail);
    }
}
