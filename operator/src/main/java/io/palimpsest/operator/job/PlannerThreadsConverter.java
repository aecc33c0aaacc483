package io.palimpsest.operator.job;

import io.palimpsest.api.worker.PlannerThreads;
import org.eclipse.microprofile.config.spi.Converter;

/** {@value PlannerThreads#SETTING}: a whole number of threads, at least 1, checked when the operator starts. */
public final class PlannerThreadsConverter implements Converter<Integer> {

    @Override
    public Integer convert(String value) {
        Integer threads = null;
        try {
            threads = Integer.parseInt(value.trim());
        } catch (RuntimeException e) {
            // refused below
        }
        if (threads == null || threads < 1) {
            throw new IllegalArgumentException(
                    PlannerThreads.SETTING + " must be a whole number of threads, at least 1; got '" + value + "'");
        }
        return threads;
    }
}
