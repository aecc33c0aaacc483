package io.palimpsest.sim.engine;

/** Receives a sequence's progress, on the scheduler's thread. */
public interface SequenceListener {
    /** The first engine step that included the sequence (its prefill) has ended. */
    void onFirstToken(Sequence seq);

    /** One more token of output; not called for an empty output. */
    void onToken(Sequence seq, String piece);

    /** The last token was emitted; {@link Sequence#finishReason()} says why it ended. */
    void onFinish(Sequence seq);
}
