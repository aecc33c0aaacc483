package io.palimpsest.worker.storage;

import java.io.IOException;

/**
 * A volume's file system refused the hard link a create-once write makes ({@link Storage#createIfAbsent} on a
 * {@link FileStorage}): some FUSE mounts make none. Receipts, checkpoint markers and the plan are created that way, so
 * such a volume cannot hold a campaign's output at all.
 */
public final class HardLinksRefusedException extends IOException {

    public HardLinksRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
