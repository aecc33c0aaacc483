package io.palimpsest.worker.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.palimpsest.worker.plan.OutputShape;
import java.util.Map;

/**
 * The commit record of one checkpoint part: the shard's items in {@code items} are done, and their
 * records are in {@code streams}. Items are those that finished while the part was filled, in any
 * order, so a kill loses at most the part being filled. {@code total} is the shard's item count,
 * known to the part written after the input ran out (null before). Created conditionally after the
 * data files, so a marker always points at complete files; the first writer of a part number wins,
 * and a writer never creates a marker whose items overlap an earlier marker's. {@code recipeHash} and
 * {@code model} say how the part was made (null in markers of earlier versions): an attempt made
 * otherwise does not resume it, nor one that knows its recipe or model and finds the marker does not
 * say ({@link CheckpointStore#madeOtherwise}). {@code modelIdentity} says what weights stood behind
 * the model's name, where known: an attempt with another identity does not resume the part either;
 * a marker without it (an earlier version's, or a model whose identity was not known) is resumed,
 * as the output's {@code recipe.json} without one is run on. {@code planSha256} is the plan the part was written
 * under ({@link io.palimpsest.worker.plan.PlanIdentity}): a part of another plan is neither resumed nor committed
 * (a marker without one, an earlier version's, is resumed as before). {@code output} is the {@link OutputShape} the
 * part's records and files were written with ({@code keepOriginal}, {@code compression}): a shard is the concatenation
 * of its parts, so an attempt with another, or one that knows its own and finds the marker does not say (an earlier
 * version's), does not resume the part.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PartMarker(
        int part,
        ItemRanges items,
        Long total,
        String writer,
        Map<String, StreamFile> streams,
        ItemCounts counts,
        String recipeHash,
        String model,
        String modelIdentity,
        String planSha256,
        OutputShape output) {

    public PartMarker(
            int part, ItemRanges items, Long total, String writer, Map<String, StreamFile> streams, ItemCounts counts) {
        this(part, items, total, writer, streams, counts, null, null, null, null, null);
    }

    /**
     * This marker, saying it was made with {@code recipeHash}, {@code model} and {@code modelIdentity} under the plan
     * {@code planSha256}, its records and files shaped by {@code output}.
     */
    PartMarker madeWith(String recipeHash, String model, String modelIdentity, String planSha256, OutputShape output) {
        return new PartMarker(
                part, items, total, writer, streams, counts, recipeHash, model, modelIdentity, planSha256, output);
    }
}
