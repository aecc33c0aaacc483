package io.palimpsest.worker.run;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The commit point of a shard, at {@code _palimpsest/receipts/shard-NNNNN.json}. Created exactly once
 * (conditionally), after every data file it lists is in place; a shard with a receipt is never redone.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Receipt(int shard, int attempt, String writer, String job, String jobUid, String recipeHash, String model,
                      ItemCounts counts, Map<String, StreamFile> outputs, int parts, Timings timings) {

    /** Wall-clock facts of the committing attempt; {@code resumedFromItem} > 0 when it continued earlier attempts' work. */
    public record Timings(String startedAt, String committedAt, double seconds, long resumedFromItem) {
    }
}
