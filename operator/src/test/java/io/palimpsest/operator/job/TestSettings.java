package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Quantity;
import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.operator.PalimpsestConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** JobSettings with the defaults, and no grace before a tally (tests move the clock themselves). */
public class TestSettings implements JobSettings {
    @Override
    public double headroom() {
        return 1.25;
    }

    @Override
    public int defaultConcurrencyPerWorker() {
        return 32;
    }

    @Override
    public int defaultMaxNumSeqs() {
        return 256;
    }

    @Override
    public int maxParallelism() {
        return 1000;
    }

    @Override
    public int modelUnreachableRetries() {
        return 4;
    }

    @Override
    public Duration tallyGrace() {
        return Duration.ofSeconds(30);
    }

    @Override
    public Duration helperResultGrace() {
        return Duration.ofSeconds(30);
    }

    @Override
    public Duration forbiddenRecheck() {
        return Duration.ofSeconds(15);
    }

    @Override
    public int helperBackoffLimit() {
        return 3;
    }

    @Override
    public int checkpointEvery() {
        return 500;
    }

    @Override
    public Quantity plannerScratchSize() {
        return new Quantity(PlannerScratch.DEFAULT_SIZE);
    }

    @Override
    public int plannerThreads() {
        return io.palimpsest.api.worker.PlannerThreads.DEFAULT;
    }

    @Override
    public long runAsUser() {
        return 1000;
    }

    @Override
    public Optional<String> serviceAccountName() {
        return Optional.empty();
    }

    @Override
    public Optional<List<String>> imagePullSecrets() {
        return Optional.empty();
    }

    /** A PalimpsestConfig that answers only the worker image; no admission policy: every image and Secret allowed. */
    static PalimpsestConfig config(String workerImage) {
        return config(workerImage, List.of(), List.of());
    }

    /** A PalimpsestConfig that answers the worker image and the admission policy (empty lists allow everything). */
    static PalimpsestConfig config(String workerImage, List<String> allowedImages, List<String> allowedSecrets) {
        PalimpsestConfig.Worker worker = (PalimpsestConfig.Worker) Proxy.newProxyInstance(
                TestSettings.class.getClassLoader(),
                new Class<?>[] {PalimpsestConfig.Worker.class},
                (p, m, a) -> m.getName().equals("image") ? workerImage : null);
        PalimpsestConfig.Policy policy = (PalimpsestConfig.Policy) Proxy.newProxyInstance(
                TestSettings.class.getClassLoader(),
                new Class<?>[] {PalimpsestConfig.Policy.class},
                (p, m, a) -> switch (m.getName()) {
                    case "allowedImages" -> allowedImages.isEmpty() ? Optional.empty() : Optional.of(allowedImages);
                    case "allowedSecrets" -> allowedSecrets.isEmpty() ? Optional.empty() : Optional.of(allowedSecrets);
                    case "allowedServiceAccounts" -> Optional.empty();
                    default -> null;
                });
        return (PalimpsestConfig) Proxy.newProxyInstance(
                TestSettings.class.getClassLoader(),
                new Class<?>[] {PalimpsestConfig.class},
                (p, m, a) -> switch (m.getName()) {
                    case "worker" -> worker;
                    case "policy" -> policy;
                    default -> null;
                });
    }
}
