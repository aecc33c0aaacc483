package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.job.ParallelismPolicy;
import io.palimpsest.operator.job.TestJobs;
import io.palimpsest.operator.job.TestSettings;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fleet a planner cuts shards for, as one reconcile sees the job and its model. */
class ObservationFleetWorkersTest {

    private final TestSettings settings = new TestSettings();
    private final ParallelismPolicy policy = new ParallelismPolicy(new ParallelismPolicy.Settings(
            settings.headroom(), settings.defaultConcurrencyPerWorker(), settings.maxParallelism()));

    @ParameterizedTest(name = "{0}: parallelism={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // model                 | parallelism | fleet workers
                // replicas.max 4 x maxNumSeqs 128 over 8 a worker
                "served                  | -           | 64",
                "served                  | 12          | 12",
                // no fleet the operator sizes: only an explicit parallelism says how many run at once
                "external endpoint       | -           | -",
                "external endpoint       | 12          | 12",
                "no model                | -           | -",
                "no model                | 12          | 12",
            })
    void fleetWorkers(String model, Integer parallelism, Integer expected) {
        RewriteJob job = TestJobs.job("j", "s3://in/", "s3://out/");
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setConcurrencyPerWorker(new IntOrString(8));
        if (parallelism != null) {
            workers.setParallelism(new IntOrString(parallelism));
        }
        job.getSpec().setWorkers(workers);
        RewriterModel found = null;
        if (model.equals("no model")) {
            job.getSpec().setModelRef(null);
        } else {
            found = new RewriterModel();
            found.setSpec(new RewriterModelSpec());
            found.getSpec().setEngine(new RewriterModelSpec.Engine());
            found.getSpec().getEngine().setMaxNumSeqs(128);
            if (model.equals("served")) {
                found.getSpec().setReplicas(new RewriterModelSpec.Replicas());
                found.getSpec().getReplicas().setMax(4);
            } else {
                found.getSpec().setEndpoint(new RewriterModelSpec.ExternalEndpoint());
            }
        }
        Observation seen = new Observation(
                job, found, null, List.of(), List.of(), null, null, null, List.of(), null, false, null, null, null,
                null, null, List.of(), settings);

        assertEquals(expected, seen.fleetWorkers(job, policy));
    }
}
