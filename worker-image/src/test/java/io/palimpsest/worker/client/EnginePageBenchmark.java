package io.palimpsest.worker.client;

import io.palimpsest.sim.metrics.SimMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The probe's reading of /metrics pages, on the simulator's own page (histograms included): one
 * {@link EnginePage#parse} per page, and a probe round as it is now (two new pages parsed, the fleet
 * sample over the parsed pages of every remembered replica) against the same round read the former
 * way, where every value read split the whole page into lines again (2 reads per page for the
 * router, 1 to place it in the view, then per remembered page 3 to keep it and 5 to fold it in).
 *
 * <p>Arguments: [remembered replicas (default 4)] [seconds per measurement (default 3)].
 */
public final class EnginePageBenchmark {

    public static void main(String[] args) {
        int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        List<String> texts = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            // one SimMetrics per replica: each has its own process start time
            texts.add(new SimMetrics("org/rewriter", 32_768).render(new SimMetrics.Gauges(120 + r, 16, 0.9)));
        }
        String page = texts.get(0);
        System.out.printf(
                Locale.ROOT,
                "page: %d lines, %d bytes; %d remembered replicas, %d new pages a round%n",
                page.split("\n").length,
                page.length(),
                replicas,
                QueueDepthProbe.SCRAPES_PER_ROUND);

        double parse = nanosPer(seconds, () -> EnginePage.parse(page).waiting());
        double splitRead = nanosPer(seconds, () -> splitSum(page, EnginePage.WAITING));
        System.out.printf(Locale.ROOT, "parse one page once:              %8.1f us%n", parse / 1e3);
        System.out.printf(Locale.ROOT, "one value read by splitting:      %8.1f us%n", splitRead / 1e3);

        List<EnginePage> remembered = texts.stream().map(EnginePage::parse).toList();
        PreemptionCounter counter = new PreemptionCounter();
        double now = nanosPer(seconds, () -> {
            double sum = 0;
            for (int i = 0; i < QueueDepthProbe.SCRAPES_PER_ROUND; i++) {
                sum += EnginePage.parse(texts.get(i % replicas)).waiting();
            }
            return sum + QueueDepthProbe.FleetSample.of(remembered, counter).running();
        });
        double former = nanosPer(seconds, () -> {
            double sum = 0;
            for (int i = 0; i < QueueDepthProbe.SCRAPES_PER_ROUND; i++) {
                String text = texts.get(i % replicas);
                sum += splitSum(text, EnginePage.WAITING) + splitSum(text, EnginePage.RUNNING);
                sum += splitSum(text, EnginePage.PROCESS_START);
            }
            for (String text : texts) {
                sum += splitSum(text, EnginePage.WAITING) + splitSum(text, EnginePage.RUNNING);
                sum += splitSum(text, EnginePage.PROCESS_START);
                sum += splitSum(text, EnginePage.WAITING) + splitSum(text, EnginePage.RUNNING);
                sum += splitSum(text, EnginePage.KV_USAGE);
                sum += splitSum(text, EnginePage.PREEMPTIONS) + splitSum(text, EnginePage.PROCESS_START);
            }
            return sum;
        });
        System.out.printf(
                Locale.ROOT,
                "one round, read the former way:  %8.1f us (%d page splits)%n",
                former / 1e3,
                3 * QueueDepthProbe.SCRAPES_PER_ROUND + 8 * replicas);
        System.out.printf(
                Locale.ROOT,
                "one round, each page read once:  %8.1f us (%d parses)  -> %.1fx less%n",
                now / 1e3,
                QueueDepthProbe.SCRAPES_PER_ROUND,
                former / now);
    }

    /** One value read the former way: the whole page split into lines, every line tested. */
    private static double splitSum(String exposition, String metric) {
        double total = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(metric)
                    && line.length() > metric.length()
                    && (line.charAt(metric.length()) == '{' || line.charAt(metric.length()) == ' ')) {
                try {
                    total += Double.parseDouble(EnginePage.valueOf(line));
                    found = true;
                } catch (NumberFormatException malformed) {
                    // skipped, as the probe does
                }
            }
        }
        return found ? total : -1;
    }

    private interface Work {
        double run();
    }

    /** Nanoseconds per call, after a warm-up of the same length. */
    private static double nanosPer(double seconds, Work work) {
        double sink = 0;
        for (int pass = 0; pass < 2; pass++) {
            long calls = 0;
            long start = System.nanoTime();
            long until = start + (long) (seconds * 1e9);
            long now;
            do {
                for (int i = 0; i < 100; i++) {
                    sink += work.run();
                }
                calls += 100;
                now = System.nanoTime();
            } while (now < until);
            if (pass == 1) {
                if (sink == 42) {
                    System.out.print(""); // keeps the results alive
                }
                return (now - start) / (double) calls;
            }
        }
        throw new AssertionError();
    }
}
