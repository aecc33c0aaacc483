package io.palimpsest.sim;

import io.palimpsest.sim.engine.CapacityModel;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one simulator until the process is killed. Prints a {@code MODEL_SIM_READY} line with the
 * actual URL, so a parent that asked for port 0 can read where it listens.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        run("java -jar model-sim.jar", args);
    }

    /** As {@link #main}, its usage naming {@code command}, the command line the user typed (e.g. palimpsest sim). */
    public static void run(String command, String[] args) throws InterruptedException {
        SimFlags flags;
        try {
            flags = SimFlags.parse(System.getenv(), args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage().replace(SimFlags.USAGE, SimFlags.usage(command)));
            System.exit(2);
            return;
        }
        if (flags.help()) {
            System.out.println(SimFlags.usage(command));
            return;
        }
        ModelSimServer sim = ModelSimServer.start(flags.config(), flags.host(), flags.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            sim.close();
                            stopped.countDown();
                        },
                        "model-sim-shutdown"));
        double capacity = sim.capacityTokensPerSecond();
        System.out.println(flags.config());
        System.out.println(CapacityModel.formula(flags.config()));
        System.out.println("capacity_tokens_per_second="
                + (Double.isInfinite(capacity) ? "inf" : String.format("%.1f", capacity)));
        System.out.println("MODEL_SIM_READY url=" + sim.baseUrl() + " port=" + sim.port());
        System.out.flush();
        stopped.await();
    }
}
