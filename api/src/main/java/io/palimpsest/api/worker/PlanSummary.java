package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * What {@code palimpsest plan} writes to its termination message (one JSON object, well under
 * the 4 KiB limit), e.g. {@code {"shards":1200,"files":4800,"bytes":322122547200,
 * "manifest":"s3://bucket/out/_palimpsest/manifest.jsonl"}}. The operator reads {@code shards}
 * (the worker Indexed Job's completions) and records it on the planner Job and in the status,
 * so the count survives the planner pod being garbage-collected.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlanSummary {
    /** Number of shards in the manifest; 0 when the input matched nothing. */
    private long shards;

    private Long files;
    private Long bytes;
    /** Where the manifest was written. */
    private String manifest;
    /**
     * What the recipe may do wrong with some documents (a chunked request over the model's context), as
     * {@code plan} printed it: the operator tells each by a Warning Event on the RewriteJob. Null when none.
     */
    private List<String> warnings;
}
