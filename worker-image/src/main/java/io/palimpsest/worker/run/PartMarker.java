package io.palimpsest.worker.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * The commit record of one checkpoint part: the shard's items in {@code items} are done, and their
 * records are in {@code streams}. Items are those that finished while the part was filled, in any
 * order, so a kill loses at most the part being filled. {@code total} is the shard's item count,
 * known to the part written after the input ran out (null before). Created conditionally after the
 * data files, so a marker always points at complete files; the first writer of a part number wins,
 * and a writer never creates a marker whose items overlap an earlier marker's.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PartMarker(
        int part, ItemRanges items, Long total, String writer, Map<String, StreamFile> streams, ItemCounts counts) {}
