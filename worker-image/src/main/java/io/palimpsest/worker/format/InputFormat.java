package io.palimpsest.worker.format;

import java.util.Locale;

/** What an input file holds. JSONL may be compressed (see {@link Compression}); Parquet compresses internally. */
public enum InputFormat {
    JSONL,
    PARQUET;

    /**
     * The format of one file: the spec's {@code input.format} when given (jsonl, parquet), else by extension
     * ({@code .parquet}; everything else is read as JSON lines).
     */
    public static InputFormat of(String key, String setting) {
        if (setting != null && !setting.isBlank() && !"auto".equalsIgnoreCase(setting)) {
            return switch (setting.toLowerCase(Locale.ROOT)) {
                case "jsonl", "json", "ndjson", "jsonl.gz", "jsonl.zst" -> JSONL;
                case "parquet" -> PARQUET;
                default ->
                    throw new IllegalArgumentException(
                            "input.format '" + setting + "' is not one of auto, jsonl, parquet");
            };
        }
        return key.toLowerCase(Locale.ROOT).endsWith(".parquet") ? PARQUET : JSONL;
    }
}
