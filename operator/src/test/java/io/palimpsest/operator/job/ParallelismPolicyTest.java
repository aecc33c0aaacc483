package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.operator.job.ParallelismPolicy.Demand;
import io.palimpsest.operator.job.ParallelismPolicy.Peer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParallelismPolicyTest {
    /** headroom 1.25, 'auto' workers assumed to keep 32 requests in flight, at most 500 pods. */
    final ParallelismPolicy policy = new ParallelismPolicy(new ParallelismPolicy.Settings(1.25, 32, 500));

    @ParameterizedTest(
            name =
                    "explicit={0} conc={1} weight={2}/{3} ready={4} seqs={5} suspended={6} remaining={7} current={8} -> {9}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // explicit | conc | weight | total | ready | seqs | suspended | remaining | current | pods
                // capacity: 4 x 256 x 1.25 = 1280 requests; 1280 / 32 = 40 workers
                "-          | -    | 1      | 1     | 4     | 256  | false     | 100000    | 0       | 40",
                // a fixed per-worker concurrency
                "-          | 64   | 1      | 1     | 4     | 256  | false     | 100000    | 0       | 20",
                // two jobs, weights 3:1
                "-          | -    | 3      | 4     | 4     | 256  | false     | 100000    | 0       | 30",
                "-          | -    | 1      | 4     | 4     | 256  | false     | 100000    | 0       | 10",
                // a share below one worker still gets one
                "-          | -    | 1      | 1000  | 1     | 16   | false     | 100000    | 0       | 1",
                // no ready replicas: add no pods while waiting for the model...
                "-          | -    | 1      | 1     | 0     | 256  | false     | 100000    | 0       | 0",
                // ...but keep the running ones through an outage: they wait at their health gate
                "-          | -    | 1      | 1     | 0     | 256  | false     | 100000    | 40      | 40",
                "-          | -    | 1      | 1     | 0     | 256  | false     | 6         | 40      | 6",
                "-          | -    | 1      | 1     | 0     | 256  | true      | 100000    | 40      | 0",
                // alone on the model: fewer replicas never take running workers away (they queue at the model)...
                "-          | -    | 1      | 1     | 2     | 256  | false     | 100000    | 40      | 40",
                "-          | -    | 1      | 1     | 2     | 256  | false     | 30        | 40      | 30",
                "-          | -    | 1      | 1     | 8     | 256  | false     | 100000    | 40      | 80",
                // ...but a job sharing it gives workers back to its weight's share
                "-          | -    | 1      | 4     | 4     | 256  | false     | 100000    | 40      | 10",
                // never above the shards left
                "-          | -    | 1      | 1     | 4     | 256  | false     | 7         | 0       | 7",
                "-          | -    | 1      | 1     | 4     | 256  | false     | 0         | 0       | 0",
                // an explicit number wins over capacity, even with no replica ready
                "12         | -    | 1      | 1     | 4     | 256  | false     | 100000    | 0       | 12",
                "12         | -    | 1      | 1     | 0     | 256  | false     | 100000    | 0       | 12",
                "2000       | -    | 1      | 1     | 4     | 256  | false     | 100000    | 0       | 2000",
                "12         | -    | 1      | 1     | 4     | 256  | false     | 5         | 0       | 5",
                // suspended wins over everything
                "12         | -    | 1      | 1     | 4     | 256  | true      | 100000    | 0       | 0",
                "-          | -    | 1      | 1     | 4     | 256  | true      | 100000    | 0       | 0",
                // the operator-wide cap
                "-          | 1    | 1      | 1     | 8     | 256  | false     | 100000    | 0       | 500",
            })
    void parallelism(
            Integer explicit,
            Integer conc,
            int weight,
            int total,
            int ready,
            int seqs,
            boolean suspended,
            long remaining,
            int current,
            int expected) {
        assertEquals(
                expected,
                policy.parallelism(new Demand(
                        explicit,
                        conc,
                        weight,
                        busyPeers(total - weight),
                        ready,
                        seqs,
                        suspended,
                        remaining,
                        current)));
    }

    /** Peers of this total weight with far more work than the model holds. */
    private static List<Peer> busyPeers(int weight) {
        return weight <= 0 ? List.of() : List.of(new Peer(weight, 1_000_000));
    }

    /**
     * Jobs on one model, each with 'auto' parallelism at 32 requests per worker; the model holds 4 x
     * 256 x 1.25 = 1280 requests, 40 workers. Each row: the jobs' weights and shards left, and the
     * workers each gets. A job's share is at most what its shards keep in flight (one worker per
     * shard); what it cannot use goes to the others by weight.
     */
    @ParameterizedTest(name = "weights {0}, shards left {1} -> workers {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // weights | shards left       | workers
                // every job has more work than its share: the split by weight
                "1 1       | 100000 100000     | 20 20",
                "1 2 1     | 100000 100000 100000 | 10 20 10",
                "3 1       | 100000 100000     | 30 10",
                // two jobs 1:1, one with 2 shards left: it runs 2, the other takes the other 38
                "1 1       | 100000 2          | 38 2",
                // three jobs 1:2:1, one nearly done: the 36 workers it leaves are split 1:2
                "1 2 1     | 100000 100000 4   | 12 24 4",
                "1 2 1     | 100000 4 100000   | 18 4 18",
                // both light jobs fit in their 320: the weight-2 job takes the rest, 1280 - 320 - 288 = 672
                "1 2 1     | 10 100000 9       | 10 21 9",
                // a job wants more than its share until another's surplus is handed out (water-filling): 1 shard
                // leaves 1248, 416 per weight, which holds the 13 shards (416) of the first; the rest, 832, is 26
                "1 2 1     | 13 100000 1       | 13 26 1",
                // every job has less work than its share: each runs one worker per shard
                "1 2 1     | 3 5 7             | 3 5 7",
            })
    void aShareIsCappedAtWhatTheJobCanUseAndTheRestGoesToTheOthers(String weights, String shardsLeft, String workers) {
        int[] w = ints(weights);
        int[] left = ints(shardsLeft);
        int[] expected = ints(workers);
        int[] got = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            List<Peer> peers = new java.util.ArrayList<>();
            for (int j = 0; j < w.length; j++) {
                if (j != i) {
                    peers.add(new Peer(w[j], Math.min(left[j], 500) * 32L));
                }
            }
            got[i] = policy.parallelism(new Demand(null, null, w[i], peers, 4, 256, false, left[i], 0));
        }
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(got));
    }

    /**
     * A job whose peers all have what they can use keeps its running workers when the fleet shrinks,
     * like a job alone on its model: deleting them (and their work since the last checkpoint) would
     * give nobody anything. A peer that wants more than it has takes them back to its share.
     */
    @ParameterizedTest(name = "peer wants {0} requests, {1} running -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // peer wants | current | workers (2 replicas ready: 640 requests, 20 workers)
                // the peer has 2 shards left: this job could take 18; it keeps its 40 running
                "64           | 40      | 40",
                "64           | 0       | 18",
                // the peer wants more than half: this job gives workers back to its share
                "1000000      | 40      | 10",
            })
    void runningWorkersStayWhileNoPeerWantsMore(long peerWants, int current, int expected) {
        assertEquals(
                expected,
                policy.parallelism(
                        new Demand(null, null, 1, List.of(new Peer(1, peerWants)), 2, 256, false, 100000, current)));
    }

    /** A peer whose shards are not counted yet takes its whole weighted share. */
    @org.junit.jupiter.api.Test
    void aPeerOfUnknownDemandTakesItsWholeShare() {
        assertEquals(
                20,
                policy.parallelism(
                        new Demand(null, null, 1, List.of(new Peer(1, Peer.UNKNOWN)), 4, 256, false, 100000, 0)));
    }

    private static int[] ints(String spaced) {
        return java.util.Arrays.stream(spaced.trim().split("\\s+"))
                .mapToInt(Integer::parseInt)
                .toArray();
    }

    @ParameterizedTest(name = "fleet: explicit={0} conc={1} maxReplicas={2} seqs={3} -> {4}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // explicit | conc | maxReplicas | seqs | workers the largest fleet keeps busy
                // 4 x 128 batch slots, 8 requests per worker: 64 workers (the headroom's extra workers only queue)
                "-          | 8    | 4           | 128  | 64",
                // 'auto' workers are assumed to keep 32 in flight
                "-          | -    | 4           | 256  | 32",
                "-          | 100  | 1           | 256  | 3",
                // an explicit number: at most that many, and no more than the batch slots keep busy
                "12         | 8    | 4           | 128  | 12",
                "2000       | 8    | 4           | 128  | 64",
                // an external endpoint: only an explicit number says how many work at once
                "12         | -    | -           | 256  | 12",
                "-          | -    | -           | 256  | -",
                // the operator-wide cap
                "-          | 1    | 8           | 256  | 500",
            })
    void fleetWorkers(Integer explicit, Integer conc, Integer maxReplicas, int seqs, Integer expected) {
        assertEquals(expected, policy.fleetWorkers(explicit, conc, maxReplicas, seqs));
    }

    @ParameterizedTest(name = "no model: explicit={0} suspended={1} remaining={2} -> {3}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // explicit | suspended | remaining | pods
                // no capacity to follow: one pod per shard left...
                "-          | false     | 7         | 7",
                // ...up to the operator-wide cap
                "-          | false     | 100000    | 500",
                "12         | false     | 100000    | 12",
                "12         | false     | 5         | 5",
                "-          | true      | 7         | 0",
                "-          | false     | 0         | 0",
            })
    void parallelismWithoutModel(Integer explicit, boolean suspended, long remaining, int expected) {
        assertEquals(expected, policy.parallelismWithoutModel(explicit, suspended, remaining));
    }
}
