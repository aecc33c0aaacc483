package io.palimpsest.sim.engine;

import io.palimpsest.sim.SimConfig;

/**
 * The latency model and what it implies. One engine step computes the tokens the scheduler gave
 * each of its sequences (one to decode, or a chunk of prefill) and takes
 * <pre>
 *   step = decodeStepBaseSeconds + decodeStepPerSeqSeconds * sequences in the step
 *        + prefillSecondsPerToken * (prefill tokens in the step)
 *        + stepPerContextTokenSeconds * (tokens of context the step's sequences attend to)
 * </pre>
 * so with a full batch of decodes, no admissions and a free context the engine emits
 * <pre>
 *   capacity = maxNumSeqs / (decodeStepBaseSeconds + decodeStepPerSeqSeconds * maxNumSeqs)  tokens/s
 * </pre>
 * Prefill only lowers that, by the share of step time spent on prompts. When the KV cache holds
 * fewer sequences than {@code maxNumSeqs}, {@link #capacityTokensPerSecond(SimConfig, int, double)}
 * gives the rate of the batch it can hold.
 */
public final class CapacityModel {
    private CapacityModel() {}

    public static double stepSeconds(SimConfig cfg, int sequences, long prefillTokens) {
        return stepSeconds(cfg, sequences, prefillTokens, 0);
    }

    public static double stepSeconds(SimConfig cfg, int sequences, long prefillTokens, long contextTokens) {
        return cfg.decodeStepBaseSeconds()
                + cfg.decodeStepPerSeqSeconds() * sequences
                + cfg.prefillSecondsPerToken() * prefillTokens
                + cfg.stepPerContextTokenSeconds() * contextTokens;
    }

    /** Decode tokens per second with a full batch; infinite with zero latency. */
    public static double capacityTokensPerSecond(SimConfig cfg) {
        double fullStep = stepSeconds(cfg, cfg.maxNumSeqs(), 0);
        return fullStep == 0 ? Double.POSITIVE_INFINITY : cfg.maxNumSeqs() / fullStep;
    }

    /**
     * How many sequences of {@code tokensPerSequence} (prompt + completion) run at once: the
     * smaller of {@code maxNumSeqs} and what the KV cache's blocks hold.
     */
    public static int batchLimit(SimConfig cfg, int tokensPerSequence) {
        long blocksPerSeq = (tokensPerSequence + cfg.blockSize() - 1) / cfg.blockSize();
        long blocks = cfg.kvCacheTokens() / cfg.blockSize();
        return (int) Math.max(1, Math.min(cfg.maxNumSeqs(), blocks / Math.max(1, blocksPerSeq)));
    }

    /**
     * Decode tokens per second of a steady batch of {@code batch} sequences whose mean context is
     * {@code meanContextTokens}, with prefill left out: the useful capacity of a replica whose batch
     * the KV cache limits.
     */
    public static double capacityTokensPerSecond(SimConfig cfg, int batch, double meanContextTokens) {
        double step = cfg.decodeStepBaseSeconds()
                + cfg.decodeStepPerSeqSeconds() * batch
                + cfg.stepPerContextTokenSeconds() * meanContextTokens * batch;
        return step == 0 ? Double.POSITIVE_INFINITY : batch / step;
    }

    /**
     * Completion tokens per second a replica delivers at best on requests of {@code promptTokens} +
     * {@code completionTokens}: the batch the cache holds at full length ({@link #batchLimit}),
     * decoding at the batch's mean context, and each request's prompt prefilled once, no work
     * thrown away. The yardstick of a client on long documents.
     */
    public static double usefulCapacityTokensPerSecond(SimConfig cfg, int promptTokens, int completionTokens) {
        int batch = batchLimit(cfg, promptTokens + completionTokens);
        double meanContext = promptTokens + completionTokens / 2.0;
        double decodeStep = cfg.decodeStepBaseSeconds()
                + cfg.decodeStepPerSeqSeconds() * batch
                + cfg.stepPerContextTokenSeconds() * meanContext * batch;
        // one generation of the batch: completionTokens decode steps plus every member's prefill
        double seconds = completionTokens * decodeStep + (double) batch * promptTokens * cfg.prefillSecondsPerToken();
        return seconds == 0 ? Double.POSITIVE_INFINITY : (double) batch * completionTokens / seconds;
    }

    public static String formula(SimConfig cfg) {
        return String.format(
                "capacity = max_num_seqs / (step_base + step_per_seq * max_num_seqs) = %d / (%s + %s * %d) = %.1f tokens/s",
                cfg.maxNumSeqs(),
                cfg.decodeStepBaseSeconds(),
                cfg.decodeStepPerSeqSeconds(),
                cfg.maxNumSeqs(),
                capacityTokensPerSecond(cfg));
    }
}
