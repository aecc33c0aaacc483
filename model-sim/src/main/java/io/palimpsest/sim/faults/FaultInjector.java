package io.palimpsest.sim.faults;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Decides which fault, if any, hits a request. A forced fault (header or rule) wins; otherwise
 * one uniform draw is compared with the cumulative rates in {@link Fault} order. Replacing the
 * configuration restarts the draws from its seed, so a test that sets faults and then sends
 * requests in a fixed order sees a fixed sequence of faults.
 */
public final class FaultInjector {
    private record State(FaultConfig config, SplittableRandom random) {}

    private volatile State state;

    public FaultInjector(FaultConfig config) {
        set(config);
    }

    public void set(FaultConfig config) {
        state = new State(config, new SplittableRandom(config.seed()));
    }

    public FaultConfig config() {
        return state.config();
    }

    /** Draws a fault at the configured rates. Call from one thread only (the event loop). */
    public Optional<Fault> draw() {
        State s = state;
        if (s.config().rates().isEmpty()) {
            return Optional.empty();
        }
        double u = s.random().nextDouble();
        double cumulative = 0;
        for (Fault f : Fault.values()) {
            cumulative += s.config().rate(f);
            if (u < cumulative) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
