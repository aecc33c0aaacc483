package io.palimpsest.sim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU used by the threads that existed before a load run and still exist after it: the
 * in-process simulator's event loops, not the load driver's (created and closed by the run).
 * Separates the simulator's cost from the client's on a machine shared with other work.
 */
final class ServerThreadCpu {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> before = new HashMap<>();

    private ServerThreadCpu() {
        for (long id : threads.getAllThreadIds()) {
            before.put(id, threads.getThreadCpuTime(id));
        }
    }

    static ServerThreadCpu snapshot() {
        return new ServerThreadCpu();
    }

    double secondsSince() {
        long total = 0;
        for (long id : threads.getAllThreadIds()) {
            Long start = before.get(id);
            long now = threads.getThreadCpuTime(id);
            if (start != null && start >= 0 && now >= 0) {
                total += now - start;
            }
        }
        return total / 1e9;
    }
}
