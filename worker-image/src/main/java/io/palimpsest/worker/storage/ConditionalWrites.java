package io.palimpsest.worker.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Whether a store refuses a second create of one key. Receipts, checkpoint markers and the shard
 * manifest are created only-if-absent ({@link Storage#createIfAbsent}); on S3 that is
 * {@code If-None-Match: *}, which AWS honours since August 2024 and MinIO since RELEASE.2024-05-07,
 * and which an older or partial S3 implementation may ignore and overwrite. On such a store two
 * attempts of one shard could both commit, and a plan could be replaced under its receipts.
 */
public final class ConditionalWrites {

    /** Next to the plan, not in a folder of its own: a file store would keep that folder, empty, after the probe. */
    public static final String PROBE_PREFIX = "_palimpsest/probe-conditional-write-";

    private ConditionalWrites() {}

    /**
     * Creates one new probe key twice and deletes it: true when the second create was refused. The
     * two creates write different bytes, so a refusal of the second is never taken for the first's
     * own write landing (see {@link Storage#createIfAbsent}).
     */
    public static boolean honoured(Storage store) throws IOException {
        String key = PROBE_PREFIX + UUID.randomUUID();
        try {
            if (!store.createIfAbsent(key, "probe 1".getBytes(StandardCharsets.UTF_8))) {
                throw new IOException("cannot check conditional writes on " + store.describe() + ": a new key " + key
                        + " was refused");
            }
            return !store.createIfAbsent(key, "probe 2".getBytes(StandardCharsets.UTF_8));
        } finally {
            store.delete(key);
        }
    }
}
