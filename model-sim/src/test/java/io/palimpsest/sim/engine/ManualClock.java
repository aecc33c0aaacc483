package io.palimpsest.sim.engine;

import java.util.PriorityQueue;

/** An {@link EngineClock} whose time moves only when the test says so. */
final class ManualClock implements EngineClock {
    private record Task(long due, long order, Runnable run) {}

    private final PriorityQueue<Task> tasks =
            new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long now;
    private long order;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void schedule(long delayNanos, Runnable task) {
        tasks.add(new Task(now + Math.max(0, delayNanos), order++, task));
    }

    /** Runs every task due up to {@code now + nanos}, in time order, then sets the time there. */
    void advance(long nanos) {
        long until = now + nanos;
        while (!tasks.isEmpty() && tasks.peek().due <= until) {
            Task t = tasks.poll();
            now = t.due;
            t.run.run();
        }
        now = until;
    }

    void advanceSeconds(double seconds) {
        advance(Math.round(seconds * 1e9));
    }

    /** Runs until nothing is scheduled, or fails after {@code maxTasks}. */
    void runAll(int maxTasks) {
        for (int i = 0; !tasks.isEmpty(); i++) {
            if (i >= maxTasks) {
                throw new AssertionError("still busy after " + maxTasks + " tasks");
            }
            Task t = tasks.poll();
            now = Math.max(now, t.due);
            t.run.run();
        }
    }
}
