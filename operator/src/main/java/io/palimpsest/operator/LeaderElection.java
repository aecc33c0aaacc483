package io.palimpsest.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Lease that lets more than one operator replica run: QOSDK picks this bean up in the
 * profiles where leader election is active (prod by default) and starts event processing only
 * on the replica holding the Lease. Informers run on every replica, so a standby takes over with
 * warm caches once the leader stops renewing (at most {@code leaseDuration} after its last renewal).
 */
public class LeaderElection {

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(PalimpsestConfig config) {
        return configuration(config.leaderElection(), null);
    }

    /**
     * The JOSDK configuration for {@code settings}; {@code identity}, when given, overrides the
     * configured one (tests run several instances from one configuration).
     */
    public static LeaderElectionConfiguration configuration(PalimpsestConfig.LeaderElection settings, String identity) {
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
        return b.build();
    }
}
