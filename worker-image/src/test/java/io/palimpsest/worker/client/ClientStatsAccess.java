package io.palimpsest.worker.client;

/** Lets tests of other packages record a latency as the client does. */
public final class ClientStatsAccess {
    private ClientStatsAccess() {}

    public static void latency(ClientStats stats, long nanos) {
        stats.latency(nanos);
    }
}
