package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * The attempts each shard has used, as the operator counts them from the worker pods, mounted
 * next to job.yaml ({@value #CONFIG_KEY}). The Job controller's own count
 * ({@code job-index-failure-count}, the worker's {@code PALIMPSEST_ATTEMPT}) starts again from 0
 * when a suspend or a scale-in deletes the pod that carried it, so it alone is no cap: a worker
 * starting an attempt reads its shard's entry here, numbers its attempt from the higher of the two,
 * and refuses to run one the operator has marked {@code exhausted} (exit
 * {@link ExitCodes#ATTEMPTS_EXHAUSTED}, which fails the index). Shards without a charged failure
 * have no entry.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AttemptLedger {
    /** File name of the ledger inside the mounted ConfigMap. */
    public static final String CONFIG_KEY = "attempts.json";

    /** shard index -> its attempts so far. */
    private Map<Integer, Shard> shards = new TreeMap<>();

    /**
     * The uid of the worker Job whose pods the counts were last read from. When another worker Job
     * takes its place (the first deleted by hand, and its pods with it), the counts so far are
     * carried over ({@link Shard#getCarriedFailures()}) and the new Job's pods add to them.
     */
    private String workerJob;

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Shard {
        /** Failed attempts charged to the shard (crash, OOM, SIGKILL, ...), outages not included. */
        private int failures;
        /** Attempts that ended with exit 75 (model unreachable): their own budget, modelUnreachableRetries. */
        private int outages;
        /** No further attempt may run: the shard's attempts, or its outage retries, are spent. */
        private boolean exhausted;
        /**
         * When the operator first read {@code exhausted} back from the ConfigMap (RFC 3339), so no
         * earlier than the write that closed the shard landed: a pod created before may have read the
         * ledger without it. Absent on the closing write itself (every pod of the shard then counts as
         * created before the close).
         */
        private String closedAt;
        /** Of {@link #failures}, those charged to pods of earlier worker Jobs of the job (gone with them). */
        @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        private int carriedFailures;
        /** Of {@link #outages}, those of pods of earlier worker Jobs. */
        @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        private int carriedOutages;

        public Shard(int failures, int outages, boolean exhausted) {
            this(failures, outages, exhausted, null, 0, 0);
        }

        public Shard(int failures, int outages, boolean exhausted, String closedAt) {
            this(failures, outages, exhausted, closedAt, 0, 0);
        }
    }

    /** The shard's entry, or an empty one. */
    public Shard of(int shard) {
        Shard s = shards == null ? null : shards.get(shard);
        return s == null ? new Shard(0, 0, false) : s;
    }
}
