package io.palimpsest.sim.engine;

import java.util.Locale;

/** Why a sequence ended, as vLLM names it in responses and in {@code finished_reason}. */
public enum FinishReason {
    STOP,
    LENGTH,
    ABORT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
