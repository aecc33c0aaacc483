package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.InputFormat;
import io.palimpsest.worker.text.ShortList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The input files the planner's duplicate-id pass could not decode as their format says (a {@code .jsonl.gz}
 * that is not gzip, a {@code .zst} cut short, a {@code .parquet} whose footer cannot be read): every attempt
 * of a shard holding one would fail the same way (exit 42) after its worker started, so the plan is refused
 * naming them (exit 78, {@code PlanningFailed}) before its duplicate-id index is written, and no worker runs
 * it. A file whose first records decode and whose bytes then fail (a gzip member cut short) is corrupt all the
 * same: none of it would be committed. A malformed line in a file that decodes is not this: it stays a counted
 * reject of its shard.
 */
public final class CorruptFiles {

    private final Function<String, InputFormat> formatOf;
    private final Map<String, String> files = new TreeMap<>();

    /** @param formatOf the format a file is read in, by its key */
    public CorruptFiles(Function<String, InputFormat> formatOf) {
        this.formatOf = formatOf;
    }

    /** Takes one file the pass could not decode (several shards may meet the same file: it is named once). */
    public void take(CorruptFileException e) {
        synchronized (files) {
            files.putIfAbsent(e.key(), e.problem());
        }
    }

    /**
     * Refuses the plan when any file could not be decoded, naming the first {@link MissingIds#EXAMPLES} of them
     * (in key order), the format each was read as and what was wrong.
     *
     * @param describe where a file is, for the message
     */
    public void refuse(Function<String, String> describe) {
        List<String> named = new ArrayList<>();
        int count;
        synchronized (files) {
            count = files.size();
            for (Map.Entry<String, String> e : files.entrySet()) {
                if (named.size() == MissingIds.EXAMPLES) {
                    break;
                }
                named.add(describe.apply(e.getKey()) + " (read as " + expected(e.getKey()) + ": " + e.getValue() + ")");
            }
        }
        if (count == 0) {
            return;
        }
        throw new InvalidJobException(count + " input file(s) cannot be decoded as their format says: "
                + ShortList.of(named, count, ", ")
                + "; every shard holding one would fail as bad data once its worker started, so the job is not"
                + " run: repair or replace the file(s), or leave them out (spec.input.exclude)");
    }

    /** The format a file was read as, for the message. */
    String expected(String key) {
        if (formatOf.apply(key) == InputFormat.PARQUET) {
            return "Parquet";
        }
        return switch (Compression.ofFileName(key)) {
            case GZIP -> "gzip-compressed JSON Lines";
            case ZSTD -> "zstd-compressed JSON Lines";
            case NONE -> "JSON Lines";
        };
    }
}
