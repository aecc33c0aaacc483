package io.palimpsest.api.worker;

/**
 * The operator's defaults for sizing an 'auto' fleet ({@code palimpsest.jobs.*}), in one place: the
 * operator's settings start from them and {@code palimpsest preview} estimates a standalone campaign
 * with them. On a cluster the operator passes its own settings to the preview, so an operator
 * configured otherwise is estimated as it runs.
 */
public final class FleetDefaults {
    /**
     * In-flight requests the fleet may hold per batch slot of a model replica: 1.5 allows a queue half
     * the batch deep. What is in flight is held down by each worker's queue control (a short queue at
     * the replica that waits least); the headroom is what lets every replica stay full while one of
     * them has a longer queue than the others (placed by a Service, the replica ready first in a cold
     * start kept one for minutes). P6 in docs/BENCHMARKS.md, before workers placed requests by queue:
     * 0.910 with 1.25, 0.920 with 1.5; with placement by queue it was measured at 1.5 only.
     */
    public static final double HEADROOM = 1.5;
    /** What an 'auto' worker is assumed to keep in flight when the operator sizes parallelism from capacity. */
    public static final int CONCURRENCY_PER_AUTO_WORKER = 32;
    /** Upper bound on worker pods per job under 'auto' parallelism. */
    public static final int MAX_PARALLELISM = 1000;

    private FleetDefaults() {}
}
