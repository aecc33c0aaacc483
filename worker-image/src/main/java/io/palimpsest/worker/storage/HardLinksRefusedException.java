package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * A volume's file system refused the hard link a create-once write makes ({@link Storage#createIfAbsent} on a
 * {@link FileStorage}): some FUSE mounts make none. Receipts, checkpoint markers and the plan are created that way, so
 * such a volume cannot hold a campaign's output at all. The planner's probe meets it in {@code _palimpsest/}; a shard
 * meets it at its first checkpoint marker or its receipt when its folder is on another mount than the one probed, or
 * when no planner of this version checked the output: the same for every shard either way.
 */
public final class HardLinksRefusedException extends IOException {

    private final String folder;

    /** @param folder the folder refused in, as a key under the storage's root ending in {@code /} (empty: the root) */
    public HardLinksRefusedException(String folder, String message, Throwable cause) {
        super(message, cause);
        this.folder = folder;
    }

    /** The folder the link was refused in, under the output's root ({@code _palimpsest/receipts/}). */
    public String folder() {
        return folder;
    }

    /**
     * The refusal as the job's: the output as {@code outputUri} names it, the folder, why the volume cannot hold the
     * output and what to write to instead, then the file system's words.
     */
    public String refusalOf(String outputUri) {
        return "spec.output.uri " + outputUri + ": the volume does not support hard links (refused in "
                + (folder.isEmpty() ? "the output folder" : folder) + "), which receipts, checkpoint markers and the"
                + " plan are created by, for their create-once rule (a second create of one receipt is refused, so no"
                + " shard commits twice): every shard meets the same refusal; write to a volume whose file system"
                + " makes hard links, or to S3 (" + getMessage() + ")";
    }

    /** The one among {@code failure} and its causes, if there is one. */
    public static Optional<HardLinksRefusedException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HardLinksRefusedException refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }
}
