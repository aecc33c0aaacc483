package io.palimpsest.worker.format;

/** Where an item came from: the input key and its 1-based line (JSONL) or row (Parquet). */
public record SourcePosition(String file, long line) {
    @Override
    public String toString() {
        return file + ":" + line;
    }
}
