package io.palimpsest.sim.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    @Test
    void eachRateLandsWithinFourSigma() {
        FaultConfig cfg = FaultConfig.builder()
                .rate(Fault.RATE_LIMIT, 0.1)
                .rate(Fault.TRUNCATION, 0.05)
                .rate(Fault.HANG, 0.01)
                .seed(7)
                .build();
        FaultInjector injector = new FaultInjector(cfg);
        int n = 20_000;
        Map<Fault, Integer> counts = new EnumMap<>(Fault.class);
        for (int i = 0; i < n; i++) {
            injector.draw().ifPresent(f -> counts.merge(f, 1, Integer::sum));
        }
        for (Map.Entry<Fault, Double> e : cfg.rates().entrySet()) {
            double p = e.getValue();
            double sigma = Math.sqrt(n * p * (1 - p));
            int got = counts.getOrDefault(e.getKey(), 0);
            assertTrue(Math.abs(got - n * p) < 4 * sigma, e.getKey() + ": " + got + " of " + n);
        }
        assertEquals(3, counts.size());
    }

    @Test
    void theSameSeedGivesTheSameSequenceAndSettingRestartsIt() {
        FaultConfig cfg =
                FaultConfig.builder().rate(Fault.SERVER_ERROR, 0.3).seed(99).build();
        FaultInjector a = new FaultInjector(cfg);
        List<Optional<Fault>> first = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            first.add(a.draw());
        }
        a.set(cfg);
        for (int i = 0; i < 50; i++) {
            assertEquals(first.get(i), a.draw());
        }
    }

    @Test
    void noRatesNeverFault() {
        FaultInjector injector = new FaultInjector(FaultConfig.none());
        for (int i = 0; i < 1000; i++) {
            assertTrue(injector.draw().isEmpty());
        }
    }

    @Test
    void ratesAbove1AreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FaultConfig.builder()
                .rate(Fault.ECHO, 0.6)
                .rate(Fault.EMPTY, 0.6)
                .build());
        assertThrows(IllegalArgumentException.class, () -> FaultConfig.builder().rate(Fault.ECHO, 1.5));
    }

    @Test
    void jsonRoundTrip() {
        FaultConfig cfg = FaultConfig.builder()
                .rate(Fault.WRONG_LANGUAGE, 0.25)
                .seed(3)
                .slowStartDelay(Duration.ofMillis(1500))
                .retryAfterSeconds(7)
                .build();
        assertEquals(cfg, FaultConfigJson.read(FaultConfigJson.write(cfg)));
    }

    @Test
    void wireNamesParseBothWays() {
        for (Fault f : Fault.values()) {
            assertEquals(f, Fault.parse(f.wireName()));
        }
        assertEquals(Fault.WRONG_LANGUAGE, Fault.parse("Wrong-Language"));
        assertThrows(IllegalArgumentException.class, () -> Fault.parse("meltdown"));
    }
}
