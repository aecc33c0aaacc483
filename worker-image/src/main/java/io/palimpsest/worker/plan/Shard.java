package io.palimpsest.worker.plan;

import java.util.List;

/** A unit of work and of commit: whole input files, read in this order. */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record Shard(int index, List<ShardFile> files) {

    public long bytes() {
        return files.stream().mapToLong(ShardFile::bytes).sum();
    }
}
