package io.palimpsest.worker.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The commit point of a shard, at {@code _palimpsest/receipts/shard-NNNNN.json}. Created exactly once
 * (conditionally), after every data file it lists is in place; a shard with a receipt is never redone.
 * {@code simulated} is true when the built-in simulator served the model (absent otherwise). {@code planSha256} is
 * the plan the shard was run and committed under ({@link io.palimpsest.worker.plan.PlanIdentity}): a receipt naming
 * another plan than the one in force is not that plan's commit. A receipt of an earlier version records none and is
 * read as before.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Receipt(
        int shard,
        int attempt,
        String writer,
        String job,
        String jobUid,
        String recipeHash,
        String model,
        ItemCounts counts,
        Map<String, StreamFile> outputs,
        int parts,
        Timings timings,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean simulated,
        @JsonInclude(JsonInclude.Include.NON_NULL) String planSha256) {

    /** Wall-clock facts of the committing attempt; {@code resumedFromItem} > 0 when it continued earlier attempts' work. */
    public record Timings(String startedAt, String committedAt, double seconds, long resumedFromItem) {}
}
