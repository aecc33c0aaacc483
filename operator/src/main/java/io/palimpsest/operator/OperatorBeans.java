package io.palimpsest.operator;

import io.palimpsest.operator.status.ConditionAggregator;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import io.quarkus.arc.DefaultBean;

import java.time.Clock;

/** Shared beans: one clock for every decision, so tests can substitute a controllable one. */
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
}
