package io.palimpsest.api.worker;

/**
 * The operator's defaults for sizing an 'auto' fleet ({@code palimpsest.jobs.*}), in one place: the
 * operator's settings start from them and {@code palimpsest preview} estimates a standalone campaign
 * with them. On a cluster the operator passes its own settings to the preview, so an operator
 * configured otherwise is estimated as it runs.
 */
public final class FleetDefaults {
    /** In-flight requests per batch slot of a model replica: 1.25 keeps a queue a quarter of the batch deep. */
    public static final double HEADROOM = 1.25;
    /** What an 'auto' worker is assumed to keep in flight when the operator sizes parallelism from capacity. */
    public static final int CONCURRENCY_PER_AUTO_WORKER = 32;
    /** Upper bound on worker pods per job under 'auto' parallelism. */
    public static final int MAX_PARALLELISM = 1000;

    private FleetDefaults() {
    }
}
