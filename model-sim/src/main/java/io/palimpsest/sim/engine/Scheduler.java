package io.palimpsest.sim.engine;

import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.metrics.SimMetrics;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching as vLLM does it: a FIFO waiting queue, at most {@code maxNumSeqs} running,
 * and an engine loop of steps. Each step first admits waiting sequences into free slots (their
 * prefill is paid in this step), then advances every running sequence by one token; new
 * arrivals wait for the next step. Step time follows {@link CapacityModel}.
 *
 * <p>Not thread-safe: every method runs on the clock's thread. A step ends on a timer, never on
 * a sleeping thread, so thousands of queued or idle requests cost nothing but memory.
 *
 * <p>Step ends are planned on a virtual timeline (previous end + duration), not "now +
 * duration": when the event loop is late (a busy or CPU-starved JVM), the following steps run
 * early until the timeline is caught up, the way a GPU keeps stepping whatever its HTTP front
 * end does. So timer lateness does not accumulate and the long-run token rate matches the model.
 * Only a lag beyond {@link #MAX_LAG_NANOS} (a stopped JVM) is forgiven rather than caught up.
 */
public final class Scheduler {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());
    private static final long MAX_LAG_NANOS = 2_000_000_000L;
    /** Due steps run back to back at most this often before other events get the loop. */
    private static final int MAX_INLINE_STEPS = 64;

    private final SimConfig config;
    private final EngineClock clock;
    private final SimMetrics metrics;
    private final LinkedHashSet<Sequence> waiting = new LinkedHashSet<>();
    private final LinkedHashSet<Sequence> running = new LinkedHashSet<>();
    private boolean stepInFlight;
    private long timeline;
    private long cachedTokens;

    public Scheduler(SimConfig config, EngineClock clock, SimMetrics metrics) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Queues {@code seq}; false when the queue is full (the caller answers 429/503). Sequences
     * that the next step will admit into free slots do not count against {@code maxWaiting}.
     */
    public boolean submit(Sequence seq) {
        int freeSlots = Math.max(0, config.maxNumSeqs() - running.size());
        if (waiting.size() >= (long) config.maxWaiting() + freeSlots) {
            return false;
        }
        seq.arrived(clock.nanoTime());
        waiting.add(seq);
        if (!stepInFlight) {
            timeline = clock.nanoTime();
            startStep();
        }
        return true;
    }

    /** Cancels a waiting or running sequence, as vLLM does when the client goes away. */
    public void abort(Sequence seq) {
        if (seq.state() == Sequence.State.WAITING) {
            waiting.remove(seq);
        } else if (seq.state() == Sequence.State.RUNNING) {
            running.remove(seq);
            cachedTokens -= seq.cachedTokens();
        } else {
            return;
        }
        seq.aborted();
        metrics.finished(FinishReason.ABORT);
    }

    /** Aborts everything, for an outage that drops connections. */
    public void abortAll() {
        for (Sequence s : new ArrayList<>(running)) {
            abort(s);
        }
        for (Sequence s : new ArrayList<>(waiting)) {
            abort(s);
        }
    }

    public int runningCount() {
        return running.size();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public double kvCacheUsage() {
        return Math.min(1.0, (double) cachedTokens / config.kvCacheTokens());
    }

    /**
     * Runs the engine loop from the current state: steps already due (zero latency, or a timeline
     * catching up) run at once, up to {@link #MAX_INLINE_STEPS} before yielding the event loop;
     * the first step that is not due yet goes on a timer.
     */
    private void startStep() {
        for (int inline = 0; ; inline++) {
            long prefillTokens = admit();
            if (running.isEmpty()) {
                stepInFlight = false;
                return;
            }
            stepInFlight = true;
            List<Sequence> batch = new ArrayList<>(running);
            double seconds = CapacityModel.stepSeconds(config, batch.size(), prefillTokens);
            long now = clock.nanoTime();
            if (now - timeline > MAX_LAG_NANOS) {
                timeline = now;
            }
            long end = timeline + Math.round(seconds * 1e9);
            if (end > now || inline >= MAX_INLINE_STEPS) {
                clock.schedule(end - now, () -> {
                    finishStep(batch, end);
                    startStep();
                });
                return;
            }
            finishStep(batch, end);
        }
    }

    private long admit() {
        long prefillTokens = 0;
        Iterator<Sequence> it = waiting.iterator();
        while (running.size() < config.maxNumSeqs() && it.hasNext()) {
            Sequence seq = it.next();
            it.remove();
            seq.running();
            running.add(seq);
            prefillTokens += seq.promptTokens();
            cachedTokens += seq.promptTokens();
        }
        metrics.promptTokens(prefillTokens);
        return prefillTokens;
    }

    private void finishStep(List<Sequence> batch, long end) {
        timeline = end;
        long now = clock.nanoTime();
        long tokens = 0;
        for (Sequence seq : batch) {
            if (seq.state() != Sequence.State.RUNNING) {
                continue;
            }
            try {
                tokens += advance(seq, now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "listener of sequence " + seq.id() + " failed; aborting it", e);
                abort(seq);
            }
        }
        metrics.generationTokens(tokens);
    }

    private int advance(Sequence seq, long now) {
        boolean first = seq.emitted() == 0;
        String piece = seq.advance();
        if (piece != null) {
            cachedTokens++;
        }
        if (first) {
            metrics.timeToFirstToken((now - seq.arrivalNanos()) / 1e9);
            seq.listener().onFirstToken(seq);
        }
        if (piece != null) {
            seq.listener().onToken(seq, piece);
        }
        if (seq.done() && seq.state() == Sequence.State.RUNNING) {
            running.remove(seq);
            cachedTokens -= seq.cachedTokens();
            seq.finished();
            metrics.finished(seq.finishReason());
            metrics.e2eLatency((now - seq.arrivalNanos()) / 1e9);
            seq.listener().onFinish(seq);
        }
        return piece != null ? 1 : 0;
    }
}
