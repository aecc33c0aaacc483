package io.palimpsest.operator;

import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.model.autoscale.WorkerAssumptions;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Shared beans: one clock for every decision, so tests can substitute a controllable one; and
 * the few job settings the model side needs, handed across here so neither package imports the
 * other for them.
 */
public class OperatorBeans {

    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    ConditionAggregator conditionAggregator(Clock clock) {
        return new ConditionAggregator(clock);
    }

    @Produces
    @Singleton
    WorkerAssumptions workerAssumptions(JobSettings jobs) {
        return new WorkerAssumptions(jobs.defaultConcurrencyPerWorker(), jobs.maxParallelism());
    }
}
