package io.palimpsest.operator;

import io.quarkiverse.operatorsdk.runtime.QuarkusConfigurationService;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Whether this replica leads, as JOSDK's leader election reports it ({@link LeaderElection} hands
 * it the Lease's callbacks), and the {@link LeaderDuty} beans started and stopped with it. Without
 * leader election (a profile where QOSDK does not activate it) the one replica leads from start.
 */
@ApplicationScoped
public class Leadership {
    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final List<LeaderDuty> duties;
    private final BooleanSupplier electionActive;
    private boolean leading;

    @Inject
    public Leadership(Instance<LeaderDuty> duties, Instance<QuarkusConfigurationService> operator) {
        this(
                duties.stream().toList(),
                () -> operator.get().getLeaderElectionConfiguration().isPresent());
    }

    /** @param electionActive QOSDK runs leader election in this profile (read at start, once the operator is configured) */
    Leadership(List<LeaderDuty> duties, BooleanSupplier electionActive) {
        this.duties = List.copyOf(duties);
        this.electionActive = electionActive;
    }

    /** Without leader election nothing will call {@link #startedLeading()}: this replica is the only one. */
    void onStart(@Observes StartupEvent ignored) {
        if (!electionActive.getAsBoolean()) {
            startedLeading();
        }
    }

    /** This replica took the Lease (or runs alone): its duties start. */
    public synchronized void startedLeading() {
        if (leading) {
            return;
        }
        leading = true;
        LOG.infof("leading: starting %d duties", duties.size());
        duties.forEach(LeaderDuty::startLeading);
    }

    /** This replica lost the Lease: its duties stop. */
    public synchronized void stoppedLeading() {
        if (!leading) {
            return;
        }
        leading = false;
        LOG.info("no longer leading: stopping the duties");
        duties.forEach(LeaderDuty::stopLeading);
    }

    public synchronized boolean leading() {
        return leading;
    }
}
