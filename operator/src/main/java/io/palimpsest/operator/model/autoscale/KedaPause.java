package io.palimpsest.operator.model.autoscale;

/**
 * When a keda-mode model's ScaledObject is paused ({@code autoscaling.keda.sh/paused-replicas}), and
 * at what count. KEDA owns the replica count otherwise; the operator takes it over in two cases only,
 * where KEDA's triggers cannot see what the operator sees:
 *
 * <ul>
 *   <li><b>Weights not servable</b> (downloading, or the download failed): paused at 0. A replica
 *       started now has no weights to load, and KEDA (its {@code minReplicaCount}, an active trigger)
 *       would otherwise set back up the count the operator renders as 0, every cycle.</li>
 *   <li><b>Work while at zero</b>: bound jobs have shards left (or are planning, or await a preview)
 *       and none is running. KEDA's wake-up trigger counts the model's worker pods, but a job on an
 *       'auto' parallelism runs none while its model has no ready replica, and at zero there is no
 *       queue to measure: nothing would ever start. Paused at {@code max(1, replicas.min)} from the
 *       moment the model is seen at zero with such work, until a shard runs (its worker pod is then
 *       what KEDA's trigger counts) or the work is gone. No worker waits for the model meanwhile, so
 *       a slow start spends none of the shards' outage retries.</li>
 * </ul>
 *
 * Pure; {@code KedaPauseTest} holds the table.
 */
public final class KedaPause {

    private KedaPause() {}

    /**
     * @param weightsServable the weights are on the cache (or need none)
     * @param backlog         the bound jobs' remaining work
     * @param replicas        the Deployment's replica count now (KEDA's, or the last pause's)
     * @param paused          the pause the ScaledObject carries now, null when none
     * @param min             replicas.min
     * @return the count to pause at, or null to leave the count to KEDA
     */
    public static Integer decide(boolean weightsServable, Backlog backlog, int replicas, Integer paused, int min) {
        if (!weightsServable) {
            return 0;
        }
        boolean waiting = backlog.shards() > 0 && backlog.pending() == backlog.shards();
        boolean atZero = replicas == 0;
        boolean waking = paused != null && paused > 0;
        if (waiting && (atZero || waking)) {
            return Math.max(1, min);
        }
        return null;
    }
}
