package io.palimpsest.sim.engine;

import io.palimpsest.sim.SimConfig;

/**
 * The latency model and what it implies. One engine step advances every running sequence by one
 * token and takes
 * <pre>
 *   step = decodeStepBaseSeconds + decodeStepPerSeqSeconds * running
 *        + prefillSecondsPerToken * (prompt tokens of the sequences admitted in this step)
 * </pre>
 * so with a full batch and no admissions the engine emits
 * <pre>
 *   capacity = maxNumSeqs / (decodeStepBaseSeconds + decodeStepPerSeqSeconds * maxNumSeqs)  tokens/s
 * </pre>
 * Prefill only lowers that, by the share of step time spent on prompts.
 */
public final class CapacityModel {
    private CapacityModel() {
    }

    public static double stepSeconds(SimConfig cfg, int running, long prefillTokens) {
        return cfg.decodeStepBaseSeconds() + cfg.decodeStepPerSeqSeconds() * running
                + cfg.prefillSecondsPerToken() * prefillTokens;
    }

    /** Decode tokens per second with a full batch; infinite with zero latency. */
    public static double capacityTokensPerSecond(SimConfig cfg) {
        double fullStep = stepSeconds(cfg, cfg.maxNumSeqs(), 0);
        return fullStep == 0 ? Double.POSITIVE_INFINITY : cfg.maxNumSeqs() / fullStep;
    }

    public static String formula(SimConfig cfg) {
        return String.format("capacity = max_num_seqs / (step_base + step_per_seq * max_num_seqs) = %d / (%s + %s * %d) = %.1f tokens/s",
                cfg.maxNumSeqs(), cfg.decodeStepBaseSeconds(), cfg.decodeStepPerSeqSeconds(), cfg.maxNumSeqs(),
                capacityTokensPerSecond(cfg));
    }
}
