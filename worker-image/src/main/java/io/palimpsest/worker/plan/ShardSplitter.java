package io.palimpsest.worker.plan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;

/**
 * Cuts the shards that are long for the fleet into item ranges, so a campaign does not end with a
 * few workers on long shards while the rest of the fleet, and the replicas it kept busy, wait.
 *
 * <p>A worker holds a fixed number of requests in flight, so a shard's time grows with its size
 * whatever the fleet: a file ten times the median, started first, can outlast the whole campaign on
 * a large fleet. The rule: no shard holds more than 1/{@value #PARTS_PER_WORKER} of one worker's
 * share of the input ({@code total bytes / (fleet workers x PARTS_PER_WORKER)}). With shards
 * numbered largest first, the long ones end within the first quarter of the campaign and the rest
 * is made of ever shorter ones, which even out the end. A shard over the bound becomes
 * {@code ceil(bytes / bound)} shards of near-equal item counts (the planner counts the items of
 * its files; the others are not read here).
 *
 * <p>Each range is a shard like any other: its own index, receipt, checkpoints, output file and
 * duplicate-id list, so exactly-once holds per range as it does per file. Item N of a range is the
 * same item in every attempt (the worker reads the file from its top and skips to the range), and
 * the manifest is written once, so a later plan keeps the ranges workers committed against.
 */
public final class ShardSplitter {
    private static final Logger LOG = Logger.getLogger(ShardSplitter.class.getName());

    /** Shards one worker's share of the campaign is cut into, at least: the long ones end within its first quarter. */
    public static final int PARTS_PER_WORKER = 4;

    /**
     * Items a range holds at least. A range of a few documents is over in a window or two of its
     * worker's requests, and then its pod's start and its commit cost more than the cut evens out; a
     * small job on a large fleet keeps its files whole.
     */
    public static final long MIN_ITEMS_PER_RANGE = 32;

    private ShardSplitter() {}

    /** The most bytes a shard keeps whole for {@code fleetWorkers} workers at once. */
    public static long maxBytes(long totalBytes, int fleetWorkers) {
        long parts = (long) Math.max(1, fleetWorkers) * PARTS_PER_WORKER;
        return Math.max(1, (totalBytes + parts - 1) / parts);
    }

    /**
     * The shards, those over {@link #maxBytes} cut into item ranges, renumbered in order (ranges of
     * one shard stay together, in file order). A shard whose files cannot be counted is kept whole:
     * its worker reports the unreadable data, as for any shard.
     */
    public static List<Shard> split(List<Shard> shards, int fleetWorkers, JobPlanner.ItemCounter counter)
            throws IOException {
        return split(shards, fleetWorkers, counter, MIN_ITEMS_PER_RANGE);
    }

    static List<Shard> split(List<Shard> shards, int fleetWorkers, JobPlanner.ItemCounter counter, long minItems)
            throws IOException {
        if (fleetWorkers <= 1) {
            return shards; // one worker runs the shards one after another: cutting them evens nothing out
        }
        long total = shards.stream().mapToLong(Shard::bytes).sum();
        long max = maxBytes(total, fleetWorkers);
        List<Shard> out = new ArrayList<>();
        for (Shard shard : shards) {
            List<List<ShardFile>> parts =
                    shard.bytes() > max ? cut(shard, (shard.bytes() + max - 1) / max, counter, minItems) : null;
            if (parts == null) {
                out.add(new Shard(out.size(), shard.files()));
            } else {
                for (List<ShardFile> part : parts) {
                    out.add(new Shard(out.size(), part));
                }
            }
        }
        return out;
    }

    /** {@code wanted} parts of near-equal item counts, or null to keep the shard whole. */
    static List<List<ShardFile>> cut(Shard shard, long wanted, JobPlanner.ItemCounter counter) throws IOException {
        return cut(shard, wanted, counter, 1);
    }

    /** As {@link #cut(Shard, long, JobPlanner.ItemCounter)}, with no range under {@code minItems} items. */
    static List<List<ShardFile>> cut(Shard shard, long wanted, JobPlanner.ItemCounter counter, long minItems)
            throws IOException {
        if (shard.files().stream().anyMatch(f -> f.firstItem() != null)) {
            return null; // already a range
        }
        long[] items = itemsOf(shard, counter);
        if (items == null) {
            return null;
        }
        long all = Arrays.stream(items).sum();
        long parts = Math.min(wanted, all / Math.max(1, minItems));
        if (parts <= 1) {
            return null;
        }
        long[] sizes = new long[(int) parts];
        for (int p = 0; p < parts; p++) {
            sizes[p] = all * (p + 1) / parts - all * p / parts;
        }
        return slice(shard, items, sizes);
    }

    /**
     * The shard as two shards, the first holding {@code headShare} of its items, or null when either
     * would hold fewer than {@code minItems} items or the files cannot be counted. A shard that is
     * already a range is cut within its range.
     */
    static List<List<ShardFile>> cutHead(Shard shard, double headShare, JobPlanner.ItemCounter counter, long minItems)
            throws IOException {
        long[] items = itemsOf(shard, counter);
        if (items == null) {
            return null;
        }
        long all = Arrays.stream(items).sum();
        long head = Math.round(all * headShare);
        if (head < Math.max(1, minItems) || all - head < Math.max(1, minItems)) {
            return null;
        }
        return slice(shard, items, new long[] {head, all - head});
    }

    /**
     * Items in each of the shard's files: a range's own count, a whole file's counted (within its
     * {@code input.limit} share); null when a file cannot be counted. The plan stays valid then (the
     * shard is kept whole, and its worker reports the file's problem), but a line says why it was not cut.
     */
    private static long[] itemsOf(Shard shard, JobPlanner.ItemCounter counter) {
        long[] items = new long[shard.files().size()];
        for (int i = 0; i < items.length; i++) {
            ShardFile file = shard.files().get(i);
            if (file.firstItem() != null) {
                items[i] = file.maxItems();
                continue;
            }
            long atMost = file.maxItems() != null ? file.maxItems() : Long.MAX_VALUE;
            try {
                items[i] = Math.min(atMost, counter.count(file.key(), atMost));
            } catch (IOException | RuntimeException e) {
                // bytes that do not decode (CorruptInputException, or the planner's counter's refusal of the file),
                // an archived file, a failure of the store: the passes that read every file say so, not this cut
                LOG.warning(file.key() + ": cannot count its items (" + e + "); its shard is kept whole");
                return null;
            }
        }
        return items;
    }

    /** The shard's items in consecutive parts of {@code sizes} items (summing to all of them), in file order. */
    private static List<List<ShardFile>> slice(Shard shard, long[] items, long[] sizes) {
        List<List<ShardFile>> out = new ArrayList<>();
        int file = 0;
        long offsetInFile = 0;
        for (int p = 0; p < sizes.length; p++) {
            long size = sizes[p];
            List<ShardFile> part = new ArrayList<>();
            while (file < items.length && (size > 0 || items[file] == 0 || p == sizes.length - 1)) {
                ShardFile f = shard.files().get(file);
                long left = items[file] - offsetInFile;
                long take = Math.min(left, size);
                if (offsetInFile == 0 && take == items[file]) {
                    part.add(f); // the whole file (or range, or input.limit part)
                } else if (take > 0) {
                    long bytes = Math.max(1, Math.round((double) f.bytes() * take / items[file]));
                    part.add(new ShardFile(f.key(), bytes, take, f.skippedItems() + offsetInFile, f.version()));
                }
                size -= take;
                offsetInFile += take;
                if (offsetInFile >= items[file]) {
                    file++;
                    offsetInFile = 0;
                } else {
                    break;
                }
            }
            out.add(part);
        }
        return out;
    }
}
