package io.palimpsest.sim;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds, so timing tests survive a loaded CI machine. */
public final class Eventually {
    private Eventually() {}

    public static void holds(Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("condition did not hold within " + timeout, last);
    }
}
