package io.palimpsest.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Lease that lets more than one operator replica run: QOSDK picks this bean up in the
 * profiles where leader election is active (prod by default) and starts event processing only
 * on the replica holding the Lease. Informers run on every replica, so a standby takes over with
 * warm caches once the leader stops renewing (at most {@code leaseDuration} after its last renewal).
 * The Lease's callbacks go to {@link Leadership}, which starts and stops the work outside reconcile
 * (the scrapers) with it.
 */
public class LeaderElection {

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(PalimpsestConfig config, Leadership leadership) {
        return configuration(
                config.leaderElection(),
                null,
                new LeaderCallbacks(leadership::startedLeading, leadership::stoppedLeading, newLeader -> {}));
    }

    /**
     * The JOSDK configuration for {@code settings}; {@code identity}, when given, overrides the
     * configured one (tests run several instances from one configuration).
     */
    public static LeaderElectionConfiguration configuration(PalimpsestConfig.LeaderElection settings, String identity) {
        return configuration(settings, identity, null);
    }

    /** As {@link #configuration(PalimpsestConfig.LeaderElection, String)}, telling {@code callbacks} when this replica leads. */
    public static LeaderElectionConfiguration configuration(
            PalimpsestConfig.LeaderElection settings, String identity, LeaderCallbacks callbacks) {
        LeaderElectionConfigurationBuilder b = LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                        settings.leaseName())
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withExitOnStopLeading(settings.exitOnStopLeading());
        settings.leaseNamespace().filter(ns -> !ns.isBlank()).ifPresent(b::withLeaseNamespace);
        String id = identity != null
                ? identity
                : settings.identity().filter(i -> !i.isBlank()).orElse(null);
        if (id != null) {
            b.withIdentity(id);
        }
        if (callbacks != null) {
            b.withLeaderCallbacks(callbacks);
        }
        return b.build();
    }
}
