package io.palimpsest.operator;

/**
 * Work only the replica holding the Lease does outside reconcile: the scrapes whose readings feed
 * its reconciles and its metrics. A standby replica keeps its informers warm and scrapes nothing
 * (two replicas scraping would double the load on every vLLM and worker pod and export each
 * series twice). {@link Leadership} calls these.
 */
public interface LeaderDuty {
    /** This replica leads (or runs without leader election): start; called again after a stop. */
    void startLeading();

    /** This replica no longer leads: stop until the next {@link #startLeading()}. */
    void stopLeading();
}
