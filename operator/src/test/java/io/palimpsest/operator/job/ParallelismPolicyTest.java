package io.palimpsest.operator.job;

import io.palimpsest.operator.job.ParallelismPolicy.Demand;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParallelismPolicyTest {
    /** headroom 1.25, 'auto' workers assumed to keep 32 requests in flight, at most 500 pods. */
    final ParallelismPolicy policy = new ParallelismPolicy(new ParallelismPolicy.Settings(1.25, 32, 500));

    @ParameterizedTest(name = "explicit={0} conc={1} weight={2}/{3} ready={4} seqs={5} suspended={6} remaining={7} -> {8}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // explicit | conc | weight | total | ready | seqs | suspended | remaining | pods
            // capacity: 4 x 256 x 1.25 = 1280 requests; 1280 / 32 = 40 workers
            "-          | -    | 1      | 1     | 4     | 256  | false     | 100000    | 40",
            // a fixed per-worker concurrency
            "-          | 64   | 1      | 1     | 4     | 256  | false     | 100000    | 20",
            // two jobs, weights 3:1
            "-          | -    | 3      | 4     | 4     | 256  | false     | 100000    | 30",
            "-          | -    | 1      | 4     | 4     | 256  | false     | 100000    | 10",
            // a share below one worker still gets one
            "-          | -    | 1      | 1000  | 1     | 16   | false     | 100000    | 1",
            // no ready replicas: wait for the model, do not burn retries
            "-          | -    | 1      | 1     | 0     | 256  | false     | 100000    | 0",
            // never above the shards left
            "-          | -    | 1      | 1     | 4     | 256  | false     | 7         | 7",
            "-          | -    | 1      | 1     | 4     | 256  | false     | 0         | 0",
            // an explicit number wins over capacity, even with no replica ready
            "12         | -    | 1      | 1     | 4     | 256  | false     | 100000    | 12",
            "12         | -    | 1      | 1     | 0     | 256  | false     | 100000    | 12",
            "2000       | -    | 1      | 1     | 4     | 256  | false     | 100000    | 2000",
            "12         | -    | 1      | 1     | 4     | 256  | false     | 5         | 5",
            // suspended wins over everything
            "12         | -    | 1      | 1     | 4     | 256  | true      | 100000    | 0",
            "-          | -    | 1      | 1     | 4     | 256  | true      | 100000    | 0",
            // the operator-wide cap
            "-          | 1    | 1      | 1     | 8     | 256  | false     | 100000    | 500",
    })
    void parallelism(Integer explicit, Integer conc, int weight, int total, int ready, int seqs, boolean suspended,
                     long remaining, int expected) {
        assertEquals(expected, policy.parallelism(new Demand(explicit, conc, weight, total, ready, seqs, suspended, remaining)));
    }
}
