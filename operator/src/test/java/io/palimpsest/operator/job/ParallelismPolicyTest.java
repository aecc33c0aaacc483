package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.operator.job.ParallelismPolicy.Demand;
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
                policy.parallelism(
                        new Demand(explicit, conc, weight, total, ready, seqs, suspended, remaining, current)));
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
