package io.palimpsest.worker.run;

import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Attempts of a shard that ended at an outage gate (exit 75 because the model or the object store
 * stayed unreachable).
 * On a cluster the attempt number is the pod's failure count ({@code PALIMPSEST_ATTEMPT}), which
 * such exits raise like any other; they say nothing about the shard's documents, so they must not
 * bring a document whose retries ran out closer to being committed as a {@code model_error} reject.
 * Each one leaves a marker keyed by the job's uid and the attempt number (a resubmitted job, whose
 * pods count from 0 again, has another uid); the shard's last attempt is reckoned without them.
 *
 * <p>Only attempts numbered by the Job controller need this: {@code local} runs a shard again only
 * after a document's retries ran out, so its attempt number counts nothing else (its job has no uid).
 */
final class OutageExits {

    private OutageExits() {}

    static String prefix(ShardLayout layout) {
        return "_palimpsest/attempts/" + layout.shardName() + "/";
    }

    private static String marker(ShardLayout layout, String jobUid, int attempt) {
        return prefix(layout) + "outage-" + jobUid.replaceAll("[^A-Za-z0-9-]", "") + "-" + attempt + ".json";
    }

    /**
     * Notes that this attempt ended at an outage gate; {@code reason} is the summary's code. When the
     * output store is what was down, this write fails too: the next attempt then counts this one as a
     * try (the operator's attempt ledger counts it as an outage all the same, from the exit code).
     */
    static void record(Storage output, ShardLayout layout, RunSettings settings, ShardReason reason)
            throws IOException {
        if (settings.jobUid() == null) {
            return;
        }
        output.createIfAbsent(
                marker(layout, settings.jobUid(), settings.attempt()),
                ("{\"attempt\":" + settings.attempt() + ",\"reason\":\"" + reason.code() + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    /** How many of this job's earlier attempts at the shard ended at the outage gate. */
    static int before(Storage output, ShardLayout layout, RunSettings settings) throws IOException {
        if (settings.jobUid() == null || settings.attempt() == 0) {
            return 0;
        }
        int count = 0;
        for (int attempt = 0; attempt < settings.attempt(); attempt++) {
            if (output.exists(marker(layout, settings.jobUid(), attempt))) {
                count++;
            }
        }
        return count;
    }
}
