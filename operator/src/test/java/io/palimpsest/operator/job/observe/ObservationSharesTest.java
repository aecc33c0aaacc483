package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.job.BoundJobsRemainingWork;
import io.palimpsest.operator.job.ParallelismPolicy;
import io.palimpsest.operator.job.TestJobs;
import io.palimpsest.operator.job.TestSettings;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whose weights a job's share of its model is taken against ({@link Observation#demand}). */
class ObservationSharesTest {

    @ParameterizedTest(name = "peer {0}, suspend={1}, shards pending {2} running {3} -> total weight {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                // peer phase | suspend | pending | running | total weight (this job's 1 + the peer's 3 when it shares)
                "Running      | false   | 5       | 2       | 4",
                "Running      | false   | 0       | 2       | 4",
                // every shard of the peer finished (it tallies, its worker Job ends): it runs no worker
                "Running      | false   | 0       | 0       | 1",
                "Running      | true    | 5       | 0       | 1",
                "Suspended    | false   | 5       | 0       | 1",
                "Succeeded    | false   | 0       | 0       | 1",
            })
    void aPeerSharesTheModelWhileItHasShardsForWorkers(
            JobPhase phase, boolean suspend, long pending, long running, int totalWeight) {
        RewriteJob job = job("j", 1, JobPhase.Running, 10, 0, 10);
        RewriteJob peer = job("p", 3, phase, 20 - pending - running, running, pending);
        peer.getSpec().setSuspend(suspend);

        Observation seen = new Observation(
                job,
                model(),
                null,
                List.of(),
                List.of(),
                null,
                null,
                null,
                List.of(),
                null,
                false,
                null,
                null,
                null,
                null,
                null,
                List.of(job, peer),
                new TestSettings());
        var demand = seen.demand(job, false, job.getStatus());

        assertEquals(1, demand.weight());
        assertEquals(totalWeight, demand.totalWeight());
    }

    /**
     * A peer's share is capped at what its shards left keep in flight, the figure the model's
     * autoscaler counts for it; the job takes the rest of the model.
     */
    @ParameterizedTest(name = "peer with {0} pending and {1} running shards -> peer wants {2} requests, job runs {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                // pending | running | peer's requests (32 per auto worker) | job's workers of 40 (4 x 256 x 1.25 / 32)
                "0         | 2       | 64                                   | 38",
                "1         | 1       | 64                                   | 38",
                "30        | 5       | 1120                                 | 20",
            })
    void aPeerNearItsEndLeavesTheRestOfTheModelToTheJob(long pending, long running, long peerRequests, int workers) {
        RewriteJob job = job("j", 1, JobPhase.Running, 0, 0, 1000);
        RewriteJob peer = job("p", 1, JobPhase.Running, 100, running, pending);
        RewriterModel model = model();
        RewriterModelStatus modelStatus = new RewriterModelStatus();
        modelStatus.setReadyReplicas(4);
        model.setStatus(modelStatus);
        TestSettings settings = new TestSettings();

        Observation seen = new Observation(
                job,
                model,
                null,
                List.of(),
                List.of(),
                null,
                null,
                null,
                List.of(),
                null,
                false,
                null,
                null,
                null,
                null,
                null,
                List.of(job, peer),
                settings);
        var demand = seen.demand(job, false, job.getStatus());

        assertEquals(List.of(new ParallelismPolicy.Peer(1, peerRequests)), demand.peers());
        long autoscalerCounts = new BoundJobsRemainingWork(
                        settings.defaultConcurrencyPerWorker(), settings.maxParallelism())
                .count(List.of(peer))
                .requests();
        assertEquals(autoscalerCounts, peerRequests, "the autoscaler counts the peer's work as the split does");
        ParallelismPolicy policy = new ParallelismPolicy(new ParallelismPolicy.Settings(
                settings.headroom(), settings.defaultConcurrencyPerWorker(), settings.maxParallelism()));
        assertEquals(workers, policy.parallelism(demand));
    }

    /**
     * Shards committed by workers a SIGTERM stopped after the commit show succeeded, and their indexes still run
     * once more (the worker Job completes only then): the job keeps workers for them, and a peer with nothing else
     * left keeps its share of the model.
     */
    @Test
    void committedShardsWhoseIndexesRunAgainKeepWorkersAndTheirShare() {
        RewriteJob job = job("j", 1, JobPhase.Running, 12, 0, 0);
        job.getStatus().getShards().setUnconfirmed(2);
        RewriteJob peer = job("p", 3, JobPhase.Running, 20, 0, 0);
        peer.getStatus().getShards().setUnconfirmed(1);
        RewriterModel model = model();
        RewriterModelStatus modelStatus = new RewriterModelStatus();
        modelStatus.setReadyReplicas(1);
        model.setStatus(modelStatus);
        TestSettings settings = new TestSettings();

        Observation seen = new Observation(
                job,
                model,
                null,
                List.of(),
                List.of(),
                null,
                null,
                null,
                List.of(),
                null,
                false,
                null,
                null,
                null,
                null,
                null,
                List.of(job, peer),
                settings);
        var demand = seen.demand(job, false, job.getStatus());

        assertEquals(2, seen.remainingShards(job.getStatus()));
        assertEquals(2, demand.remainingShards());
        assertEquals(4, demand.totalWeight(), "the peer's index left to run keeps its share");
        ParallelismPolicy policy = new ParallelismPolicy(new ParallelismPolicy.Settings(
                settings.headroom(), settings.defaultConcurrencyPerWorker(), settings.maxParallelism()));
        assertEquals(2, policy.parallelism(demand), "a worker for each index left, or the worker Job never completes");
    }

    private static RewriteJob job(String name, int weight, JobPhase phase, long succeeded, long running, long pending) {
        RewriteJob job = TestJobs.job(name, "s3://in/", "s3://out-" + name + "/");
        job.getMetadata().setUid(name);
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setWeight(weight);
        job.getSpec().setWorkers(workers);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        status.setShards(
                new RewriteJobStatus.ShardCounts(succeeded + running + pending, succeeded, 0, running, pending));
        job.setStatus(status);
        return job;
    }

    private static RewriterModel model() {
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        return model;
    }
}
