package io.palimpsest.worker.plan;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Sorts (key, value) records, keys compared as unsigned bytes then values, in bounded memory: records
 * are held until about {@code memoryBytes} worth, then sorted and written to a run file under a
 * temporary folder; {@link #sorted} merges the runs (in rounds of at most {@link #FAN_IN} files, so
 * open files and read buffers stay bounded too). Keys are compared whole and exactly: two records are
 * equal only when every byte is.
 */
final class SpillingSorter implements Closeable {

    /** One record; {@code key} is not copied, the caller must not change it after {@link #add}. */
    record Entry(byte[] key, int value) {}

    /** The order of the output: keys as unsigned bytes, then values. */
    static final Comparator<Entry> ORDER = (a, b) -> {
        int byKey = Arrays.compareUnsigned(a.key, b.key);
        return byKey != 0 ? byKey : Integer.compare(a.value, b.value);
    };

    /** Runs merged at once; the rest wait for the next round. */
    static final int FAN_IN = 64;
    /** What one held record costs beyond its key bytes: the entry, the array header, the list slot. */
    private static final int ENTRY_OVERHEAD = 56;

    private static final int BUFFER = 64 * 1024;

    private final long memoryBytes;
    private final ScratchBudget scratch;
    private final Path folder;
    /** The bytes of each run file on disk, taken from {@link #scratch} until the file is deleted. */
    private final Map<Path, Long> onDisk = new HashMap<>();

    private final List<Path> runs = new ArrayList<>();
    private List<Entry> held = new ArrayList<>();
    private long heldBytes;
    private long count;
    private boolean sorting;

    SpillingSorter(long memoryBytes) throws IOException {
        this(memoryBytes, ScratchBudget.unbounded(System.getProperty("java.io.tmpdir")));
    }

    /** @param scratch the local disk the run files may take; past it {@link #add} and {@link #sorted} refuse */
    SpillingSorter(long memoryBytes, ScratchBudget scratch) throws IOException {
        this.memoryBytes = memoryBytes;
        this.scratch = scratch;
        this.folder = Files.createTempDirectory("palimpsest-sort");
    }

    void add(byte[] key, int value) throws IOException {
        if (sorting) {
            throw new IllegalStateException("add after sorted()");
        }
        held.add(new Entry(key, value));
        heldBytes += key.length + ENTRY_OVERHEAD;
        count++;
        if (heldBytes >= memoryBytes) {
            spill();
        }
    }

    long count() {
        return count;
    }

    /** Run files written so far (0 when everything fitted in memory). */
    int spilledRuns() {
        return runs.size();
    }

    /** Every record added, in {@link #ORDER}; call once, after the last {@link #add}. */
    Cursor sorted() throws IOException {
        sorting = true;
        if (runs.isEmpty()) {
            held.sort(ORDER);
            List<Entry> all = held;
            held = new ArrayList<>();
            return new Cursor() {
                private int next;

                @Override
                public Entry next() {
                    return next < all.size() ? all.get(next++) : null;
                }

                @Override
                public void close() {}
            };
        }
        if (!held.isEmpty()) {
            spill();
        }
        List<Path> pending = new ArrayList<>(runs);
        while (pending.size() > FAN_IN) {
            List<Path> round = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += FAN_IN) {
                List<Path> group = pending.subList(from, Math.min(pending.size(), from + FAN_IN));
                Path merged = Files.createTempFile(folder, "merged-", ".bin");
                long written = 0;
                try (Cursor cursor = new Merge(group);
                        DataOutputStream out = open(merged)) {
                    Entry entry;
                    while ((entry = cursor.next()) != null) {
                        written += write(out, entry);
                    }
                } finally {
                    onDisk.put(merged, written);
                }
                for (Path done : group) {
                    delete(done);
                }
                round.add(merged);
            }
            pending = round;
        }
        return new Merge(pending);
    }

    private void spill() throws IOException {
        held.sort(ORDER);
        Path run = Files.createTempFile(folder, "run-", ".bin");
        long written = 0;
        try (DataOutputStream out = open(run)) {
            for (Entry entry : held) {
                written += write(out, entry);
            }
        } finally {
            onDisk.put(run, written);
        }
        runs.add(run);
        held = new ArrayList<>();
        heldBytes = 0;
    }

    private static DataOutputStream open(Path file) throws IOException {
        return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER));
    }

    /** Writes one record, once the scratch budget has room for it; its bytes. */
    private long write(DataOutputStream out, Entry entry) throws IOException {
        long bytes = 8L + entry.key.length;
        scratch.reserve(bytes);
        out.writeInt(entry.key.length);
        out.write(entry.key);
        out.writeInt(entry.value);
        return bytes;
    }

    /** Deletes the run files. */
    @Override
    public void close() throws IOException {
        held = new ArrayList<>();
        try (var files = Files.list(folder)) {
            for (Path file : files.toList()) {
                delete(file);
            }
        }
        Files.deleteIfExists(folder);
    }

    private void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        Long bytes = onDisk.remove(file);
        if (bytes != null) {
            scratch.release(bytes);
        }
    }

    /** Sorted records, one at a time; null after the last. */
    interface Cursor extends Closeable {
        Entry next() throws IOException;
    }

    /** A k-way merge of sorted run files. */
    private static final class Merge implements Cursor {
        private record Head(Entry entry, DataInputStream from) {}

        private final List<DataInputStream> inputs = new ArrayList<>();
        private final PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> ORDER.compare(a.entry, b.entry));

        Merge(List<Path> files) throws IOException {
            try {
                for (Path file : files) {
                    DataInputStream in =
                            new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER));
                    inputs.add(in);
                    advance(in);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public Entry next() throws IOException {
            Head head = heads.poll();
            if (head == null) {
                return null;
            }
            advance(head.from);
            return head.entry;
        }

        private void advance(DataInputStream in) throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException end) {
                return;
            }
            byte[] key = new byte[length];
            in.readFully(key);
            heads.add(new Head(new Entry(key, in.readInt()), in));
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (DataInputStream in : inputs) {
                try {
                    in.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
