package io.palimpsest.sim.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One request inside the engine: how long its prompt is and, since the simulator knows its
 * answer up front, the exact tokens it will emit, one per engine step.
 */
public final class Sequence {
    public enum State {
        NEW,
        WAITING,
        RUNNING,
        FINISHED,
        ABORTED
    }

    private final long id;
    private final int promptTokens;
    private final List<String> pieces;
    private final FinishReason finishReason;
    private final SequenceListener listener;
    private final long[] promptBlockHashes;
    private State state = State.NEW;
    private int emitted;
    private long arrivalNanos;
    private long firstScheduledNanos = -1;
    private long lastTokenNanos;
    // KV-cache state, owned by the scheduler.
    final List<KvBlockPool.Block> blocks = new ArrayList<>();
    /** Tokens whose KV is in the cache (vLLM's num_computed_tokens). */
    int computed;
    /** Prompt blocks published to the prefix cache so far. */
    int publishedBlocks;
    /** Up to here, the tokens being prefilled were computed before a preemption threw them away. */
    int recomputeUntil;

    int preemptions;

    /**
     * @param pieces       the output tokens (see {@link io.palimpsest.sim.text.Tokenizer})
     * @param finishReason how the output ends once every piece is out
     */
    public Sequence(
            long id, int promptTokens, List<String> pieces, FinishReason finishReason, SequenceListener listener) {
        this(id, promptTokens, new long[0], pieces, finishReason, listener);
    }

    /**
     * @param promptBlockHashes the chained hashes of the prompt's full KV blocks (see
     *                          {@link PrefixHashes}); empty when prefix caching should not apply
     */
    public Sequence(
            long id,
            int promptTokens,
            long[] promptBlockHashes,
            List<String> pieces,
            FinishReason finishReason,
            SequenceListener listener) {
        this.promptBlockHashes = promptBlockHashes.clone();
        this.id = id;
        this.promptTokens = promptTokens;
        this.pieces = List.copyOf(pieces);
        this.finishReason = Objects.requireNonNull(finishReason);
        this.listener = Objects.requireNonNull(listener);
    }

    public long id() {
        return id;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int completionTokens() {
        return pieces.size();
    }

    public List<String> pieces() {
        return pieces;
    }

    /** The reason it ended: the planned one, or ABORT if it was cancelled. */
    public FinishReason finishReason() {
        return state == State.ABORTED ? FinishReason.ABORT : finishReason;
    }

    public State state() {
        return state;
    }

    public int emitted() {
        return emitted;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** Engine steps the sequence needs: an empty output still takes its prefill step. */
    int stepsNeeded() {
        return Math.max(1, pieces.size());
    }

    /**
     * Back-dates the arrival to when the HTTP request came in, for a request held back before it
     * was queued (slow_start), so its latency metrics include the hold.
     */
    public void receivedAt(long nanos) {
        arrivalNanos = nanos;
    }

    void arrived(long nanos) {
        if (arrivalNanos == 0) {
            arrivalNanos = nanos;
        }
        state = State.WAITING;
    }

    void running() {
        state = State.RUNNING;
    }

    /** The piece this step emits, or null for the one step of an empty output. */
    String advance() {
        String piece = emitted < pieces.size() ? pieces.get(emitted) : null;
        emitted++;
        return piece;
    }

    boolean done() {
        return emitted >= stepsNeeded();
    }

    void finished() {
        state = State.FINISHED;
    }

    void aborted() {
        state = State.ABORTED;
    }

    SequenceListener listener() {
        return listener;
    }

    /** How many times the scheduler preempted it (its KV thrown away, to be computed again). */
    public int preemptions() {
        return preemptions;
    }

    /** Tokens the model must hold for it: the prompt (at least one token) plus every token sampled. */
    int totalTokens() {
        return Math.max(1, promptTokens) + emitted;
    }

    long[] promptBlockHashes() {
        return promptBlockHashes;
    }

    /** When a step first took it in, or -1; for the queue-time metric. */
    long firstScheduledNanos() {
        return firstScheduledNanos;
    }

    void scheduledAt(long nanos) {
        if (firstScheduledNanos < 0) {
            firstScheduledNanos = nanos;
        }
    }

    long lastTokenNanos() {
        return lastTokenNanos;
    }

    void lastTokenNanos(long nanos) {
        lastTokenNanos = nanos;
    }

    void waitingAgain() {
        state = State.WAITING;
    }
}
