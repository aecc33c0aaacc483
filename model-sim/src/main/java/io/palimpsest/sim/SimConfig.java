package io.palimpsest.sim;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one simulated vLLM replica needs to know, immutable. Defaults resemble an 8B model on
 * one GPU: about 100 tokens/s for a lone request and a few thousand tokens/s with a full batch.
 * Tests usually want {@link Builder#zeroLatency()}.
 */
public final class SimConfig {
    /** {@link #maxWaiting()} when nothing bounds the waiting queue, as in vLLM. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    private final String modelName;
    private final int maxNumSeqs;
    private final int maxWaiting;
    private final OverflowResponse overflowResponse;
    private final double prefillSecondsPerToken;
    private final double decodeStepBaseSeconds;
    private final double decodeStepPerSeqSeconds;
    private final Duration startupDelay;
    private final int maxModelLen;
    private final long kvCacheTokens;
    private final int blockSize;
    private final int maxNumBatchedTokens;
    private final boolean prefixCaching;
    private final double stepPerContextTokenSeconds;
    private final long seed;
    private final FaultConfig faults;
    private final Path rulesFile;
    private final int requestLogCapacity;
    private final String apiKey;

    private SimConfig(Builder b) {
        this.modelName = requireText(b.modelName, "modelName");
        this.maxNumSeqs = requirePositive(b.maxNumSeqs, "maxNumSeqs");
        this.maxWaiting = requireNonNegative(b.maxWaiting, "maxWaiting");
        this.overflowResponse = Objects.requireNonNull(b.overflowResponse, "overflowResponse");
        this.prefillSecondsPerToken = requireNonNegative(b.prefillSecondsPerToken, "prefillSecondsPerToken");
        this.decodeStepBaseSeconds = requireNonNegative(b.decodeStepBaseSeconds, "decodeStepBaseSeconds");
        this.decodeStepPerSeqSeconds = requireNonNegative(b.decodeStepPerSeqSeconds, "decodeStepPerSeqSeconds");
        this.startupDelay = Objects.requireNonNull(b.startupDelay, "startupDelay");
        if (startupDelay.isNegative()) {
            throw new IllegalArgumentException("startupDelay must not be negative");
        }
        this.maxModelLen = requirePositive(b.maxModelLen, "maxModelLen");
        this.kvCacheTokens = b.kvCacheTokens > 0
                ? b.kvCacheTokens
                : Math.max(maxModelLen, (long) maxNumSeqs * Math.min(maxModelLen, 2048));
        if (kvCacheTokens < maxModelLen) {
            // vLLM refuses to start in this case too: one request of max_model_len must fit.
            throw new IllegalArgumentException(
                    "kvCacheTokens (" + kvCacheTokens + ") must hold one sequence of maxModelLen (" + maxModelLen
                            + ") tokens; lower maxModelLen or raise kvCacheTokens");
        }
        this.blockSize = requirePositive(b.blockSize, "blockSize");
        if (kvCacheTokens < blockSize) {
            throw new IllegalArgumentException(
                    "kvCacheTokens (" + kvCacheTokens + ") must hold at least one block of " + blockSize + " tokens");
        }
        this.maxNumBatchedTokens = requirePositive(b.maxNumBatchedTokens, "maxNumBatchedTokens");
        if (maxNumBatchedTokens < maxNumSeqs) {
            // vLLM refuses this too: a full batch of decodes would not fit in one step.
            throw new IllegalArgumentException(
                    "maxNumBatchedTokens (" + maxNumBatchedTokens + ") must be >= maxNumSeqs (" + maxNumSeqs + ")");
        }
        this.prefixCaching = b.prefixCaching;
        this.stepPerContextTokenSeconds =
                requireNonNegative(b.stepPerContextTokenSeconds, "stepPerContextTokenSeconds");
        this.seed = b.seed;
        this.faults = Objects.requireNonNull(b.faults, "faults");
        this.rulesFile = b.rulesFile;
        this.requestLogCapacity = requirePositive(b.requestLogCapacity, "requestLogCapacity");
        this.apiKey = b.apiKey == null || b.apiKey.isEmpty() ? null : b.apiKey;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults with {@link Builder#zeroLatency()}: what most functional tests want. */
    public static SimConfig zeroLatency() {
        return builder().zeroLatency().build();
    }

    /** Parses command-line flags; see {@link SimFlags} for the list. */
    public static SimConfig fromArgs(String... args) {
        return SimFlags.parse(args).config();
    }

    public Builder toBuilder() {
        return new Builder()
                .modelName(modelName)
                .maxNumSeqs(maxNumSeqs)
                .maxWaiting(maxWaiting)
                .overflowResponse(overflowResponse)
                .prefillSecondsPerToken(prefillSecondsPerToken)
                .decodeStepBaseSeconds(decodeStepBaseSeconds)
                .decodeStepPerSeqSeconds(decodeStepPerSeqSeconds)
                .startupDelay(startupDelay)
                .maxModelLen(maxModelLen)
                .kvCacheTokens(kvCacheTokens)
                .blockSize(blockSize)
                .maxNumBatchedTokens(maxNumBatchedTokens)
                .prefixCaching(prefixCaching)
                .stepPerContextTokenSeconds(stepPerContextTokenSeconds)
                .seed(seed)
                .faults(faults)
                .rulesFile(rulesFile)
                .requestLogCapacity(requestLogCapacity)
                .apiKey(apiKey);
    }

    public String modelName() {
        return modelName;
    }

    public int maxNumSeqs() {
        return maxNumSeqs;
    }

    /** Longest the waiting queue may grow; one more request is answered {@link #overflowResponse()}. */
    public int maxWaiting() {
        return maxWaiting;
    }

    public OverflowResponse overflowResponse() {
        return overflowResponse;
    }

    public double prefillSecondsPerToken() {
        return prefillSecondsPerToken;
    }

    public double decodeStepBaseSeconds() {
        return decodeStepBaseSeconds;
    }

    public double decodeStepPerSeqSeconds() {
        return decodeStepPerSeqSeconds;
    }

    public Duration startupDelay() {
        return startupDelay;
    }

    public int maxModelLen() {
        return maxModelLen;
    }

    /** Size of the simulated KV cache in tokens; it holds {@code kvCacheTokens / blockSize} blocks. */
    public long kvCacheTokens() {
        return kvCacheTokens;
    }

    /** Tokens per KV block (vLLM's {@code --block-size}, 16 on CUDA). */
    public int blockSize() {
        return blockSize;
    }

    /** The per-step token budget (vLLM's {@code --max-num-batched-tokens}); prefills are chunked to it. */
    public int maxNumBatchedTokens() {
        return maxNumBatchedTokens;
    }

    /** Whether full prompt blocks are shared between requests (vLLM V1's default: on). */
    public boolean prefixCaching() {
        return prefixCaching;
    }

    /** Attention cost per token of context of every sequence in a step (0: context length is free). */
    public double stepPerContextTokenSeconds() {
        return stepPerContextTokenSeconds;
    }

    /** Whether the waiting queue has a bound, which models a gateway in front of vLLM (vLLM has none). */
    public boolean waitingBounded() {
        return maxWaiting != UNBOUNDED;
    }

    public long seed() {
        return seed;
    }

    public FaultConfig faults() {
        return faults;
    }

    /** Like vLLM's {@code --api-key}: when set, /v1 requests without {@code Authorization: Bearer <key>} get 401. */
    public Optional<String> apiKey() {
        return Optional.ofNullable(apiKey);
    }

    public Optional<Path> rulesFile() {
        return Optional.ofNullable(rulesFile);
    }

    /** How many requests {@link RequestLog} keeps before it drops the oldest. */
    public int requestLogCapacity() {
        return requestLogCapacity;
    }

    public boolean isZeroLatency() {
        return prefillSecondsPerToken == 0
                && decodeStepBaseSeconds == 0
                && decodeStepPerSeqSeconds == 0
                && stepPerContextTokenSeconds == 0;
    }

    @Override
    public String toString() {
        return "SimConfig{model=" + modelName + ", maxNumSeqs=" + maxNumSeqs + ", maxWaiting=" + maxWaiting
                + ", overflow=" + overflowResponse.status() + ", prefill=" + prefillSecondsPerToken
                + "s/token, step=" + decodeStepBaseSeconds + "s+" + decodeStepPerSeqSeconds + "s/seq, startupDelay="
                + startupDelay + ", maxModelLen=" + maxModelLen + ", kvCacheTokens=" + kvCacheTokens + ", blockSize="
                + blockSize
                + ", maxNumBatchedTokens=" + maxNumBatchedTokens + ", prefixCaching=" + prefixCaching
                + ", stepPerContextToken=" + stepPerContextTokenSeconds + "s, seed=" + seed + ", faults=" + faults
                + ", rules=" + rulesFile + "}";
    }

    private static String requireText(String s, String name) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return s;
    }

    private static int requirePositive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
        return v;
    }

    private static int requireNonNegative(int v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + v);
        }
        return v;
    }

    private static double requireNonNegative(double v, String name) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
        }
        return v;
    }

    public static final class Builder {
        private String modelName = "sim-model";
        private int maxNumSeqs = 256;
        private int maxWaiting = UNBOUNDED;
        private OverflowResponse overflowResponse = OverflowResponse.TOO_MANY_REQUESTS;
        private double prefillSecondsPerToken = 0.0001;
        private double decodeStepBaseSeconds = 0.010;
        private double decodeStepPerSeqSeconds = 0.00015;
        private Duration startupDelay = Duration.ZERO;
        private int maxModelLen = 8192;
        private long kvCacheTokens;
        private int blockSize = 16;
        private int maxNumBatchedTokens = 8192;
        private boolean prefixCaching = true;
        private double stepPerContextTokenSeconds;
        private long seed;
        private FaultConfig faults = FaultConfig.none();
        private Path rulesFile;
        private int requestLogCapacity = 10_000;
        private String apiKey;

        private Builder() {}

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        public Builder maxNumSeqs(int maxNumSeqs) {
            this.maxNumSeqs = maxNumSeqs;
            return this;
        }

        public Builder maxWaiting(int maxWaiting) {
            this.maxWaiting = maxWaiting;
            return this;
        }

        public Builder overflowResponse(OverflowResponse overflowResponse) {
            this.overflowResponse = overflowResponse;
            return this;
        }

        public Builder prefillSecondsPerToken(double seconds) {
            this.prefillSecondsPerToken = seconds;
            return this;
        }

        public Builder decodeStepBaseSeconds(double seconds) {
            this.decodeStepBaseSeconds = seconds;
            return this;
        }

        public Builder decodeStepPerSeqSeconds(double seconds) {
            this.decodeStepPerSeqSeconds = seconds;
            return this;
        }

        /** No prefill cost, no decode step time, no startup delay: for functional tests and throughput. */
        public Builder zeroLatency() {
            this.prefillSecondsPerToken = 0;
            this.decodeStepBaseSeconds = 0;
            this.decodeStepPerSeqSeconds = 0;
            this.stepPerContextTokenSeconds = 0;
            this.startupDelay = Duration.ZERO;
            return this;
        }

        public Builder startupDelay(Duration startupDelay) {
            this.startupDelay = startupDelay;
            return this;
        }

        public Builder maxModelLen(int maxModelLen) {
            this.maxModelLen = maxModelLen;
            return this;
        }

        /** 0 means max(maxModelLen, maxNumSeqs x min(maxModelLen, 2048)): room for every slot at a 2K context. */
        public Builder kvCacheTokens(long kvCacheTokens) {
            this.kvCacheTokens = kvCacheTokens;
            return this;
        }

        public Builder blockSize(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        public Builder maxNumBatchedTokens(int maxNumBatchedTokens) {
            this.maxNumBatchedTokens = maxNumBatchedTokens;
            return this;
        }

        public Builder prefixCaching(boolean prefixCaching) {
            this.prefixCaching = prefixCaching;
            return this;
        }

        public Builder stepPerContextTokenSeconds(double seconds) {
            this.stepPerContextTokenSeconds = seconds;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder faults(FaultConfig faults) {
            this.faults = faults;
            return this;
        }

        public Builder rulesFile(Path rulesFile) {
            this.rulesFile = rulesFile;
            return this;
        }

        public Builder requestLogCapacity(int capacity) {
            this.requestLogCapacity = capacity;
            return this;
        }

        public SimConfig build() {
            return new SimConfig(this);
        }
    }
}
