package io.palimpsest.sim;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Fault rates (probability per completion request) and the knobs of the faults that need one.
 * At most one fault hits a request, so the rates must add up to at most 1; a request draws one
 * uniform number from a generator seeded with {@link #seed()}, which makes a run with the same
 * arrival order reproduce the same faults.
 */
public final class FaultConfig {
    private static final FaultConfig NONE = builder().build();

    private final Map<Fault, Double> rates;
    private final long seed;
    private final Duration slowStartDelay;
    private final int retryAfterSeconds;

    private FaultConfig(Builder b) {
        EnumMap<Fault, Double> copy = new EnumMap<>(Fault.class);
        b.rates.forEach((f, r) -> {
            if (r > 0) {
                copy.put(f, r);
            }
        });
        this.rates = Collections.unmodifiableMap(copy);
        this.seed = b.seed;
        this.slowStartDelay = b.slowStartDelay;
        this.retryAfterSeconds = b.retryAfterSeconds;
        double total = totalRate();
        if (total > 1.0 + 1e-9) {
            throw new IllegalArgumentException("fault rates add up to " + total + ", more than 1");
        }
    }

    public static FaultConfig none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.rates.putAll(rates);
        b.seed = seed;
        b.slowStartDelay = slowStartDelay;
        b.retryAfterSeconds = retryAfterSeconds;
        return b;
    }

    /** Only the faults with a rate above zero. */
    public Map<Fault, Double> rates() {
        return rates;
    }

    public double rate(Fault fault) {
        return rates.getOrDefault(fault, 0.0);
    }

    public double totalRate() {
        return rates.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public long seed() {
        return seed;
    }

    public Duration slowStartDelay() {
        return slowStartDelay;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultConfig other
                && rates.equals(other.rates)
                && seed == other.seed
                && slowStartDelay.equals(other.slowStartDelay)
                && retryAfterSeconds == other.retryAfterSeconds;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rates, seed, slowStartDelay, retryAfterSeconds);
    }

    @Override
    public String toString() {
        return "FaultConfig" + rates + " seed=" + seed + " slowStart=" + slowStartDelay + " retryAfter="
                + retryAfterSeconds + "s";
    }

    public static final class Builder {
        private final EnumMap<Fault, Double> rates = new EnumMap<>(Fault.class);
        private long seed = 42;
        private Duration slowStartDelay = Duration.ofSeconds(10);
        private int retryAfterSeconds = 1;

        private Builder() {}

        public Builder rate(Fault fault, double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("rate of " + fault + " must be in [0,1], got " + rate);
            }
            rates.put(Objects.requireNonNull(fault), rate);
            return this;
        }

        /** Parses {@code name=rate}, the form of the {@code --fault-rate} flag. */
        public Builder rate(String nameEqualsRate) {
            int eq = nameEqualsRate.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected name=rate, got '" + nameEqualsRate + "'");
            }
            return rate(
                    Fault.parse(nameEqualsRate.substring(0, eq)),
                    Double.parseDouble(nameEqualsRate.substring(eq + 1).trim()));
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder slowStartDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("slow start delay must not be negative");
            }
            this.slowStartDelay = delay;
            return this;
        }

        public Builder retryAfterSeconds(int seconds) {
            if (seconds < 0) {
                throw new IllegalArgumentException("Retry-After must not be negative");
            }
            this.retryAfterSeconds = seconds;
            return this;
        }

        public FaultConfig build() {
            return new FaultConfig(this);
        }
    }
}
