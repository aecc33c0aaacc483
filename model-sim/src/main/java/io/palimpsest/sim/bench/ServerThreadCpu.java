package io.palimpsest.sim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU used by the Vert.x event loops that existed before a load run: the in-process
 * simulator's, not the load driver's (created and closed by the run), and not GC or JIT threads.
 * Separates the simulator's cost from the client's on a machine shared with other work.
 */
final class ServerThreadCpu {
    private static final String EVENT_LOOP_PREFIX = "vert.x-eventloop-thread-";
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> before = new HashMap<>();

    private ServerThreadCpu() {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(EVENT_LOOP_PREFIX)) {
                before.put(info.getThreadId(), threads.getThreadCpuTime(info.getThreadId()));
            }
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
