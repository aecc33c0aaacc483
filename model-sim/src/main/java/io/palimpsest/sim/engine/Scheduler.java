package io.palimpsest.sim.engine;

import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.metrics.SimMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * vLLM V1's scheduler over a paged KV cache. Each step has a token budget
 * ({@code maxNumBatchedTokens}) and works like {@code vllm/v1/core/sched/scheduler.py}:
 * <ol>
 *   <li>Running sequences first, oldest admission first: each gets the tokens it still lacks
 *   (one to decode, or the next chunk of its prefill) within the budget, and the KV blocks those
 *   tokens need. When the cache has no block left, the most recently admitted running sequence
 *   is preempted: its blocks go back to the pool, its computed tokens are forgotten, and it
 *   returns to the front of the waiting queue, to prefill its prompt and what it had generated
 *   again (recompute preemption).</li>
 *   <li>Then, only if nothing was preempted in this step, waiting sequences in FIFO order while
 *   the budget lasts and fewer than {@code maxNumSeqs} run: full prompt blocks already in the
 *   prefix cache are reused, and the rest is admitted only if its blocks (of the chunk that fits
 *   the budget) are free; the first that does not fit stops admission.</li>
 * </ol>
 * A sequence emits a token in the step that completes its prefill and in every step after.
 * Step time follows {@link CapacityModel}. See model-sim/README.md for the table against vLLM's
 * source.
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
    private final KvBlockPool pool;
    private final int blockSize;
    /** Aborted sequences stay here until they reach the front (no O(n) removal); not counted. */
    private final Deque<Sequence> waiting = new ArrayDeque<>();

    private int waitingCount;
    /** In admission order: the last is the first to be preempted. */
    private final List<Sequence> running = new ArrayList<>();

    private boolean stepInFlight;
    private long timeline;

    /** One step's work: who computes how many tokens. */
    private record Slot(Sequence seq, int tokens) {}

    public Scheduler(SimConfig config, EngineClock clock, SimMetrics metrics) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.blockSize = config.blockSize();
        this.pool = new KvBlockPool((int) Math.min(Integer.MAX_VALUE, config.kvCacheTokens() / blockSize));
    }

    /**
     * Queues {@code seq}; false only when a waiting-queue bound is configured and full (the caller
     * answers 429/503, as a gateway in front of vLLM would: vLLM itself queues without bound).
     * Sequences that the next step can admit into free slots do not count against the bound.
     */
    public boolean submit(Sequence seq) {
        if (config.waitingBounded()) {
            int freeSlots = Math.max(0, config.maxNumSeqs() - running.size());
            if (waitingCount >= (long) config.maxWaiting() + freeSlots) {
                return false;
            }
        }
        seq.arrived(clock.nanoTime());
        waiting.addLast(seq);
        waitingCount++;
        if (!stepInFlight) {
            timeline = clock.nanoTime();
            startStep();
        }
        return true;
    }

    /** Cancels a waiting or running sequence, as vLLM does when the client goes away. */
    public void abort(Sequence seq) {
        if (seq.state() == Sequence.State.WAITING) {
            waitingCount--;
        } else if (seq.state() == Sequence.State.RUNNING) {
            running.remove(seq);
            freeBlocks(seq);
        } else {
            return;
        }
        seq.aborted();
        metrics.finished(FinishReason.ABORT);
        metrics.abortedAfter(Math.min(seq.emitted(), seq.completionTokens()));
    }

    /** Aborts everything, for an outage that drops connections. */
    public void abortAll() {
        for (Sequence s : new ArrayList<>(running)) {
            abort(s);
        }
        for (Sequence s : new ArrayList<>(waiting)) {
            abort(s);
        }
        waiting.clear();
    }

    public int runningCount() {
        return running.size();
    }

    public int waitingCount() {
        return waitingCount;
    }

    /** Share of KV blocks in use, as {@code vllm:kv_cache_usage_perc} reports it. */
    public double kvCacheUsage() {
        return pool.usage();
    }

    public int freeBlocks() {
        return pool.freeBlocks();
    }

    public int totalBlocks() {
        return pool.totalBlocks();
    }

    /**
     * Runs the engine loop from the current state: steps already due (zero latency, or a timeline
     * catching up) run at once, up to {@link #MAX_INLINE_STEPS} before yielding the event loop;
     * the first step that is not due yet goes on a timer.
     */
    private void startStep() {
        for (int inline = 0; ; inline++) {
            List<Slot> batch = schedule();
            if (batch.isEmpty()) {
                stepInFlight = false;
                return;
            }
            stepInFlight = true;
            long prefillTokens = 0;
            long contextTokens = 0;
            long stepTokens = 0;
            for (Slot slot : batch) {
                Sequence seq = slot.seq();
                boolean decode = seq.emitted() > 0 && seq.computed == seq.totalTokens() - 1;
                prefillTokens += decode ? 0 : slot.tokens();
                contextTokens += seq.computed + slot.tokens();
                stepTokens += slot.tokens();
            }
            metrics.iteration(stepTokens);
            double seconds = CapacityModel.stepSeconds(config, batch.size(), prefillTokens, contextTokens);
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

    /** Decides the next step's batch and takes the KV blocks it needs. */
    private List<Slot> schedule() {
        List<Slot> batch = new ArrayList<>();
        int budget = config.maxNumBatchedTokens();
        boolean preempted = false;
        long now = clock.nanoTime();
        for (int i = 0; i < running.size() && budget > 0; ) {
            Sequence seq = running.get(i);
            int tokens = Math.min(seq.totalTokens() - seq.computed, budget);
            boolean allocated;
            while (!(allocated = allocate(seq, tokens))) {
                // vLLM's FCFS policy preempts the most recently admitted running request.
                Sequence victim = running.remove(running.size() - 1);
                preempt(victim);
                preempted = true;
                if (victim == seq) {
                    break;
                }
            }
            if (!allocated) {
                break;
            }
            batch.add(new Slot(seq, tokens));
            budget -= tokens;
            i++;
        }
        if (preempted && !batch.isEmpty()) {
            return batch;
        }
        while (budget > 0 && running.size() < config.maxNumSeqs()) {
            Sequence seq = peekWaiting();
            if (seq == null) {
                break;
            }
            List<KvBlockPool.Block> hits = seq.computed == 0 ? prefixHits(seq) : List.of();
            int cachedTokens = hits.size() * blockSize;
            int tokens = Math.min(seq.totalTokens() - cachedTokens, budget);
            int evictableHits =
                    (int) hits.stream().filter(b -> b.refCount() == 0).count();
            int newBlocks = ceilDiv(cachedTokens + tokens, blockSize) - hits.size();
            if (newBlocks + evictableHits > pool.freeBlocks()) {
                break;
            }
            waiting.pollFirst();
            waitingCount--;
            for (KvBlockPool.Block b : hits) {
                pool.touch(b);
            }
            seq.blocks.addAll(hits);
            seq.publishedBlocks = hits.size();
            seq.computed = cachedTokens;
            if (config.prefixCaching()) {
                metrics.prefixCacheQuery(seq.totalTokens(), cachedTokens);
            }
            allocate(seq, tokens);
            seq.running();
            if (seq.firstScheduledNanos() < 0) {
                metrics.queueTime((now - seq.arrivalNanos()) / 1e9);
            }
            seq.scheduledAt(now);
            running.add(seq);
            batch.add(new Slot(seq, tokens));
            budget -= tokens;
        }
        return batch;
    }

    private Sequence peekWaiting() {
        while (!waiting.isEmpty() && waiting.peekFirst().state() != Sequence.State.WAITING) {
            waiting.pollFirst();
        }
        return waiting.peekFirst();
    }

    /**
     * The cached blocks of the longest prefix of full prompt blocks; never the whole sequence,
     * since the last token must be computed to sample the next one (vLLM caps hits the same way).
     */
    private List<KvBlockPool.Block> prefixHits(Sequence seq) {
        if (!config.prefixCaching()) {
            return List.of();
        }
        long[] hashes = seq.promptBlockHashes();
        int max = Math.min(hashes.length, (seq.totalTokens() - 1) / blockSize);
        List<KvBlockPool.Block> hits = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            KvBlockPool.Block b = pool.lookup(hashes[i]);
            if (b == null) {
                break;
            }
            hits.add(b);
        }
        return hits;
    }

    /** Gives {@code seq} the blocks for {@code tokens} more tokens; false (nothing taken) if too few are free. */
    private boolean allocate(Sequence seq, int tokens) {
        int needed = ceilDiv(seq.computed + tokens, blockSize) - seq.blocks.size();
        if (needed > pool.freeBlocks()) {
            return false;
        }
        if (needed > 0) {
            seq.blocks.addAll(pool.allocate(needed));
        }
        if (config.prefixCaching()) {
            // Published as soon as allocated, as vLLM does: the block is written in this step.
            long[] hashes = seq.promptBlockHashes();
            int full = Math.min(hashes.length, (seq.computed + tokens) / blockSize);
            for (int i = seq.publishedBlocks; i < full; i++) {
                pool.cache(seq.blocks.get(i), hashes[i]);
            }
            seq.publishedBlocks = Math.max(seq.publishedBlocks, full);
        }
        return true;
    }

    private void preempt(Sequence seq) {
        metrics.preempted(seq.computed);
        seq.recomputeUntil = Math.max(seq.recomputeUntil, seq.computed);
        freeBlocks(seq);
        seq.preemptions++;
        seq.waitingAgain();
        waiting.addFirst(seq);
        waitingCount++;
    }

    private void freeBlocks(Sequence seq) {
        pool.release(seq.blocks);
        seq.blocks.clear();
        seq.computed = 0;
        seq.publishedBlocks = 0;
    }

    private void finishStep(List<Slot> batch, long end) {
        timeline = end;
        long now = clock.nanoTime();
        long tokens = 0;
        for (Slot slot : batch) {
            Sequence seq = slot.seq();
            if (seq.state() != Sequence.State.RUNNING) {
                continue;
            }
            if (seq.recomputeUntil > seq.computed) {
                metrics.recomputed(Math.min(slot.tokens(), seq.recomputeUntil - seq.computed));
            }
            seq.computed += slot.tokens();
            if (seq.computed < seq.totalTokens()) {
                continue; // a prefill chunk: no token yet
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
        if (first) {
            // vLLM counts a request's prompt once, when its prefill is done.
            metrics.promptTokens(seq.promptTokens());
            metrics.timeToFirstToken((now - seq.arrivalNanos()) / 1e9);
            seq.listener().onFirstToken(seq);
        } else {
            metrics.interTokenLatency((now - seq.lastTokenNanos()) / 1e9);
        }
        seq.lastTokenNanos(now);
        if (piece != null) {
            seq.listener().onToken(seq, piece);
        }
        if (seq.done() && seq.state() == Sequence.State.RUNNING) {
            running.remove(seq);
            freeBlocks(seq);
            seq.finished();
            metrics.finished(seq.finishReason());
            metrics.e2eLatency((now - seq.arrivalNanos()) / 1e9);
            metrics.requestSizes(seq.promptTokens(), seq.completionTokens());
            seq.listener().onFinish(seq);
        }
        return piece != null ? 1 : 0;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
