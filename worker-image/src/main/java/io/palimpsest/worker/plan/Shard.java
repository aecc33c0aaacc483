package io.palimpsest.worker.plan;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** A unit of work and of commit: whole input files, read in this order. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Shard(int index, List<ShardFile> files) {

    public long bytes() {
        return files.stream().mapToLong(ShardFile::bytes).sum();
    }
}
