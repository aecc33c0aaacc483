package io.palimpsest.api.worker;

/**
 * The reason codes a worker writes in {@link ShardSummary#getReason()} when its shard was not
 * committed by this attempt. The operator reads them from the pod's termination message, so the
 * codes are never renamed; {@link #parse} takes the wire string, which stays a String so that a
 * summary from an older or newer worker (a code this version does not know) still parses.
 *
 * <p>One code is not listed: an unexpected failure writes the simple name of its exception type
 * (outcome {@code error}), which names the bug better than any fixed word.
 */
public enum ShardReason {
    /** The shard was committed before (a receipt exists): nothing to do (outcome alreadyCommitted, exit 0). */
    RECEIPT_EXISTS("receipt_exists"),
    /** Another attempt committed the shard first (outcome alreadyCommitted, exit 0). */
    COMMITTED_BY_TWIN("committed_by_twin"),
    /** SIGTERM: the complete parts are committed and the shard resumes after them (exit 143; not a shard failure). */
    TERMINATED("terminated"),
    /** The model server could not be reached; retry later (exit 75). */
    MODEL_UNREACHABLE("model_unreachable"),
    /** The object store was unavailable past the outage limit; retry later (outcome storeUnreachable, exit 75). */
    STORE_UNREACHABLE("store_unreachable"),
    /** The model refused the job's requests the same way for every document (exit 78). */
    MODEL_CONFIG("model_config"),
    /**
     * The object store refused the job's credentials (AccessDenied, InvalidAccessKeyId,
     * SignatureDoesNotMatch, InvalidToken, a 403 without a code) or the mounted credentials Secret
     * cannot give them, or a file system output's folder makes no hard links (receipts and checkpoint
     * markers are created by one): the same for every shard (outcome modelConfig, exit 78, the job
     * fails at once). The default chain finding no credentials and a 403 with another code are not this.
     */
    STORE_REFUSED("store_refused"),
    /**
     * The output was made otherwise than this job would make it: another recipe, another model name
     * (a RewriterModel's servedModelName edited mid-campaign), the input read another way. Shards made
     * this way cannot be added beside the committed ones: the same for every shard (outcome
     * modelConfig, exit 78, the job fails at once).
     */
    OUTPUT_DRIFT("output_drift"),
    /**
     * The output holds work the built-in simulator served and this run is on a real model: it does
     * not count that work as done; or it holds a real model's work and this run is simulated: it does
     * not commit the simulator's beside it (outcome modelConfig, exit 78).
     */
    SIMULATED_OUTPUT("simulated_output"),
    /** A document's tries all failed while the shard has attempts left: the Job runs it again (exit 75 or 1). */
    RETRIES_EXHAUSTED("retries_exhausted"),
    /**
     * The shard's data cannot be processed (corrupt, unparsable, changed since planning, or an input
     * file the store answers 403 InvalidObjectState: archived); retrying will not help (exit 42).
     */
    BAD_DATA("bad_data"),
    /**
     * The output was planned again while the attempt ran (another manifest is in force than the one it ran
     * under), or the shard's receipt names another plan than the one in force: nothing is committed or taken
     * as committed, and retrying will not help (exit 42, as for input changed since planning).
     */
    PLAN_REPLACED("plan_replaced"),
    /**
     * The object store kept cutting or failing the shard's input past the read's resumes: the data may
     * be fine, the attempt fails and the Job runs the shard again from its last checkpoint (exit 1).
     */
    INPUT_UNREADABLE("input_unreadable"),
    /** The attempt ledger says the shard has used its attempts: nothing ran (exit 43). */
    ATTEMPTS_EXHAUSTED("attemptsExhausted");

    private final String code;

    ShardReason(String code) {
        this.code = code;
    }

    /** The string written in the summary. */
    public String code() {
        return code;
    }

    /** The constant whose code this is, or null for none or a code this version does not write. */
    public static ShardReason parse(String code) {
        if (code == null) {
            return null;
        }
        for (ShardReason r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        return null;
    }

    /** {@code summary} is not null and carries this reason. */
    public boolean of(ShardSummary summary) {
        return summary != null && code.equals(summary.getReason());
    }
}
