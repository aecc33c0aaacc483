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
         * When the operator first wrote {@code exhausted} (RFC 3339): a pod created before may have
         * read the ledger without it.
         */
        private String closedAt;

        public Shard(int failures, int outages, boolean exhausted) {
            this(failures, outages, exhausted, null);
        }
    }

    /** The shard's entry, or an empty one. */
    public Shard of(int shard) {
        Shard s = shards == null ? null : shards.get(shard);
        return s == null ? new Shard(0, 0, false) : s;
    }
}
