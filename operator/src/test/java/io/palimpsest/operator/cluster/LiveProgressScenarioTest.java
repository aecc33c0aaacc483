package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Live progress at its real pace: three shards that each take about a minute, the operator's
 * default progress period (15 s), the real worker serving its metrics on its pod's address. Before
 * the first shard commits, the status's documents (committed read + in progress) must rise at
 * least every 30 s once the workers run, and an ETA must appear while shards run; at the end the
 * status totals equal the sums over the receipts exactly and nothing is left in progress.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class LiveProgressScenarioTest {

    static final int SHARDS = 3;
    static final int DOCS = 60;
    static final Duration GAP = Duration.ofSeconds(30);

    @Inject
    KubernetesClient operatorClient;

    /** One poll of the status: when, documents seen (read + in progress), whether a shard has committed, the ETA. */
    record Seen(Instant at, long documents, long succeeded, String eta, Long inProgress) {}

    @Test
    void documentsRiseEveryThirtySecondsBeforeTheFirstShardEnds() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        // About 1 s a document (a short reply at 20 ms a token), one at a time: 60 documents take about a minute.
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.IN_PROCESS, () -> SimConfig.builder()
                        .startupDelay(Duration.ofSeconds(1))
                        .prefillSecondsPerToken(0)
                        .decodeStepBaseSeconds(0.02)
                        .decodeStepPerSeqSeconds(0))) {
            Path input = s.claim("corpus").resolve("live-in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 17);
            s.createOneReplicaModel("live-model");
            RewriteJob job = s.smallJob("live", "live-model", "pvc://corpus/live-in/", "pvc://corpus/live-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(SHARDS));
            job.getSpec().getWorkers().setConcurrencyPerWorker(new IntOrString(1));
            s.client.resource(job).create();

            List<Seen> seen = new ArrayList<>();
            Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
            RewriteJob last = null;
            while (Instant.now().isBefore(deadline)) {
                last = s.job("live");
                RewriteJobStatus st = last == null ? null : last.getStatus();
                if (st != null && st.getDocuments() != null && st.getShards() != null) {
                    long docs = st.getDocuments().getRead()
                            + (st.getDocuments().getInProgress() == null
                                    ? 0
                                    : st.getDocuments().getInProgress());
                    seen.add(new Seen(
                            Instant.now(),
                            docs,
                            st.getShards().getSucceeded(),
                            st.getEstimatedCompletionTime(),
                            st.getDocuments().getInProgress()));
                }
                if (st != null && st.getPhase() != null && st.getPhase().isTerminal()) {
                    break;
                }
                Thread.sleep(500);
            }
            assertNotNull(last);
            assertEquals(JobPhase.Succeeded, last.getStatus().getPhase(), "the campaign finished: " + last.getStatus());

            // From the first document seen to the first commit: rising, never still for 30 s.
            int first = indexOf(seen, v -> v.documents() > 0);
            int commit = indexOf(seen, v -> v.succeeded() > 0);
            assertTrue(first >= 0 && commit > first, "progress appeared before the first commit: " + seen);
            Instant start = seen.get(first).at();
            Instant firstCommit = seen.get(commit).at();
            List<String> rises = new ArrayList<>();
            Instant lastRise = start;
            long lastDocs = seen.get(first).documents();
            Duration longestStill = Duration.ZERO;
            for (int i = first + 1; i < commit; i++) {
                Seen v = seen.get(i);
                if (v.documents() > lastDocs) {
                    Duration still = Duration.between(lastRise, v.at());
                    longestStill = still.compareTo(longestStill) > 0 ? still : longestStill;
                    rises.add(String.format(
                            "+%.0fs:%d", Duration.between(start, v.at()).toMillis() / 1000.0, v.documents()));
                    lastRise = v.at();
                    lastDocs = v.documents();
                }
                assertTrue(v.documents() >= lastDocs, "never backwards before a commit: " + seen);
            }
            Duration tail = Duration.between(lastRise, firstCommit);
            longestStill = tail.compareTo(longestStill) > 0 ? tail : longestStill;
            Duration firstShard = Duration.between(start, firstCommit);
            assertTrue(firstShard.compareTo(Duration.ofSeconds(40)) >= 0, "shards take about a minute: " + firstShard);
            assertTrue(rises.size() >= 2, "documents rose while the first shard ran: " + rises);
            assertTrue(longestStill.compareTo(GAP) <= 0, "documents still for " + longestStill + ": " + rises);
            String eta = seen.stream()
                    .filter(v -> v.eta() != null)
                    .map(Seen::eta)
                    .findFirst()
                    .orElse(null);
            assertNotNull(eta, "an ETA while shards ran");

            RewriteJobStatus st = last.getStatus();
            ReceiptTotals receipts = ReceiptTotals.of(input.resolveSibling("live-out"));
            receipts.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);
            assertNull(st.getDocuments().getInProgress(), "nothing in progress once finished");
            assertNull(st.getTokens().getInProgressCompletion());

            System.out.printf(
                    "[figures] live progress: first shard %.0f s; documents rose %d times before it committed, "
                            + "longest still %.0f s (limit 30 s): %s; first ETA %s; final = receipts: %d read, %d completion tokens%n",
                    firstShard.toMillis() / 1000.0,
                    rises.size(),
                    longestStill.toMillis() / 1000.0,
                    rises,
                    eta,
                    st.getDocuments().getRead(),
                    st.getTokens().getCompletion());
        }
    }

    private static int indexOf(List<Seen> seen, Predicate<Seen> p) {
        for (int i = 0; i < seen.size(); i++) {
            if (p.test(seen.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
