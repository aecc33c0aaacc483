package io.palimpsest.operator.job.progress;

import io.palimpsest.operator.PalimpsestConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;

/** A {@link PalimpsestConfig} with only the live-progress settings, for tests and benchmarks that run without Quarkus. */
final class TestConfig {
    private TestConfig() {}

    static PalimpsestConfig progress(boolean enabled, long periodSeconds, long timeoutSeconds, int maxConcurrent) {
        PalimpsestConfig.Progress progress = new PalimpsestConfig.Progress() {
            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public Duration period() {
                return Duration.ofSeconds(periodSeconds);
            }

            @Override
            public Duration scrapeTimeout() {
                return Duration.ofSeconds(timeoutSeconds);
            }

            @Override
            public int maxConcurrentScrapes() {
                return maxConcurrent;
            }
        };
        return (PalimpsestConfig) Proxy.newProxyInstance(
                PalimpsestConfig.class.getClassLoader(),
                new Class<?>[] {PalimpsestConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "progress" -> progress;
                    case "toString" -> "TestConfig";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
