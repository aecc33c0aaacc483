package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * The campaigns of upstream RewriteJobs that have Succeeded without every shard committed, as the operator tells
 * them to the planner of a job reading their outputs ({@value #ENV}, on the planner container only): the planner
 * reads such a campaign as it is only while what it finds in storage is still that campaign (the same number of
 * planned shards, at least as many receipts as the job committed, the same recipe), so a rerun written into the
 * output since (another campaign, perhaps left part-way) is refused as any campaign that is not whole.
 *
 * <p>An environment variable, not a command-line flag: a worker image from before it ignores the variable and
 * refuses the partial upstream with its own message (exit 78, {@code PlanningFailed}) where an unknown flag would
 * be a usage error retried to the backoff limit. The value is a JSON array of {@link Campaign}; fields a reader
 * does not know are ignored.
 */
public final class FinishedInputs {

    /** The planner container's variable: a JSON array of {@link Campaign}. */
    public static final String ENV = "PALIMPSEST_FINISHED_INPUTS";

    private static final ObjectMapper JSON = new ObjectMapper();

    private FinishedInputs() {}

    /** One upstream campaign that has ended, as its RewriteJob's status records it. */
    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Campaign {
        /** The upstream's {@code spec.output.uri}, normalised. */
        private String output;
        /** The upstream RewriteJob, {@code namespace/name}, for messages. */
        private String job;
        /** Shards the upstream planned ({@code status.shards.total}); null when its status does not say. */
        private Long shards;
        /** Shards it committed ({@code status.shards.succeeded}); null when its status does not say. */
        private Long committed;
        /** Its recipe hash ({@code status.recipeHash}); null when its status does not say. */
        private String recipeHash;
    }

    /** The variable's value for {@code campaigns}. */
    public static String encode(List<Campaign> campaigns) {
        try {
            return JSON.writeValueAsString(campaigns);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the finished inputs could not be written as JSON", e);
        }
    }

    /**
     * The campaigns a value of the variable names.
     *
     * @throws IllegalArgumentException when it is not a JSON array of campaigns each naming its output
     */
    public static List<Campaign> decode(String value) {
        Campaign[] campaigns;
        try {
            campaigns = JSON.readValue(value, Campaign[].class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    ENV + " is not a JSON array of finished campaigns: " + e.getOriginalMessage());
        }
        if (campaigns == null) {
            return List.of();
        }
        for (Campaign c : campaigns) {
            if (c == null || c.getOutput() == null || c.getOutput().isBlank()) {
                throw new IllegalArgumentException(ENV + " holds a campaign without an output: " + value);
            }
        }
        return Arrays.asList(campaigns);
    }
}
