package io.palimpsest.operator.model.autoscale;

/**
 * What the RewriteJobs bound to a model still have to do, in the two units the autoscaler needs.
 *
 * @param shards   shards neither committed nor failed for good (a job not yet planned counts one):
 *                 above zero, the model is busy and must not idle down
 * @param requests requests those shards could keep in flight if every one ran on a worker: for
 *                 each job, min(shards left, its parallelism cap) x what one worker keeps in flight.
 *                 It sizes the fleet for the backlog at once, instead of one replica per load time
 *                 while worker parallelism and the queue chase each other up from one replica.
 * @param pending  of those shards, the ones no worker has started yet
 * @param heldJobs bound jobs not finished that have nothing to run now (suspended): no work, but the
 *                 model is still bound to them, so it waits idle-to-zero for them rather than only
 *                 the scale-down window ({@link IdleRule})
 * @param queuedJobs bound jobs not finished whose worker Job waits for Kueue to admit it: no worker of
 *                 theirs can run until it does, so they are no work and do not hold the model up longer
 *                 than the scale-down window; once Kueue admits one, its shards are work again and wake
 *                 the model ({@link IdleRule}, {@link ScaleReason#JobsQueued})
 */
public record Backlog(long shards, long requests, long pending, long heldJobs, long queuedJobs) {

    public static final Backlog NONE = new Backlog(0, 0, 0, 0, 0);

    public Backlog {
        if (shards < 0 || requests < 0 || pending < 0 || pending > shards || heldJobs < 0 || queuedJobs < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + shards + " shards (" + pending
                    + " not started), " + requests + " requests, " + heldJobs + " held jobs, " + queuedJobs
                    + " queued jobs");
        }
    }

    /** Shards of which none is known to have started: every one counts as pending. */
    public Backlog(long shards, long requests) {
        this(shards, requests, shards, 0, 0);
    }

    public Backlog(long shards, long requests, long pending) {
        this(shards, requests, pending, 0, 0);
    }

    /** Jobs bound to the model that may run again (suspended) but have nothing to run now. */
    public static Backlog held(long jobs) {
        return new Backlog(0, 0, 0, jobs, 0);
    }

    /** Jobs bound to the model whose worker Job waits for Kueue's admission: nothing of theirs can run now. */
    public static Backlog queued(long jobs) {
        return new Backlog(0, 0, 0, 0, jobs);
    }

    /** Work that is there but whose size in requests is not known (e.g. jobs still planning). */
    public static Backlog ofShards(long shards) {
        return new Backlog(shards, 0);
    }

    /**
     * Every shard left is running and their size in requests is known: no work can be added (a
     * shard that fails an attempt goes back to pending), so what the backlog keeps in flight can
     * only fall until the jobs end. The fleet may follow it down at once.
     */
    public boolean draining() {
        return shards > 0 && pending == 0 && requests > 0;
    }

    public Backlog plus(Backlog other) {
        return new Backlog(
                shards + other.shards,
                requests + other.requests,
                pending + other.pending,
                heldJobs + other.heldJobs,
                queuedJobs + other.queuedJobs);
    }

    public boolean any() {
        return shards > 0;
    }
}
