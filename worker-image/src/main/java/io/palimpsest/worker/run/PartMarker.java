package io.palimpsest.worker.run;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The commit record of one checkpoint part: items {@code [start, end)} of the shard are done, and
 * their records are in {@code streams}. Created conditionally after the data files, so a marker
 * always points at complete files; the first writer of a part number wins.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PartMarker(int part, long start, long end, boolean last, String writer,
                         Map<String, StreamFile> streams, ItemCounts counts) {
}
