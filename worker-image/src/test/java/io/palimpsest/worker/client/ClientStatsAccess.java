package io.palimpsest.worker.client;

/** Lets tests of other packages record a latency or a retry as the client does. */
public final class ClientStatsAccess {
    private ClientStatsAccess() {}

    public static void latency(ClientStats stats, long nanos) {
        stats.latency(nanos);
    }

    public static void retry(ClientStats stats, String cause) {
        stats.retry(cause);
    }

    public static void countRetry(ClientStats stats, String cause) {
        stats.counts.retry(cause);
    }
}
