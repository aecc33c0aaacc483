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
 */
public record Backlog(long shards, long requests) {

    public static final Backlog NONE = new Backlog(0, 0);

    public Backlog {
        if (shards < 0 || requests < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + shards + " shards, " + requests + " requests");
        }
    }

    /** Work that is there but whose size in requests is not known (e.g. jobs still planning). */
    public static Backlog ofShards(long shards) {
        return new Backlog(shards, 0);
    }

    public Backlog plus(Backlog other) {
        return new Backlog(shards + other.shards, requests + other.requests);
    }

    public boolean any() {
        return shards > 0;
    }
}
