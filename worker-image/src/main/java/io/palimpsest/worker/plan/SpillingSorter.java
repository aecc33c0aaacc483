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
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sorts (key, value) records, keys compared as unsigned bytes then values, in bounded memory: records
 * are held until about {@code memoryBytes} worth, then sorted and written to a run file under a
 * temporary folder; {@link #sorted} merges the runs (in rounds of at most {@link #FAN_IN} files, so
 * open files and read buffers stay bounded too). Keys are compared whole and exactly: two records are
 * equal only when every byte is.
 *
 * <p>Several threads may feed one sort, each through its own {@link Feeder} holding its share of the memory: a
 * feeder sorts and writes its own runs, so the threads spill in parallel and the records held stay within
 * {@code memoryBytes} in all. The output is the same whatever the threads and the order records arrive in: it is
 * every record in {@link #ORDER}.
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
    private final Map<Path, Long> onDisk = new ConcurrentHashMap<>();

    private final List<Path> runs = Collections.synchronizedList(new ArrayList<>());
    private List<Entry> held = new ArrayList<>();
    private long heldBytes;
    private long count;
    /** What closed feeders held and did not spill, sorted: spilled or merged in memory by {@link #sorted}. */
    private final List<List<Entry>> leftovers = new ArrayList<>();

    private volatile boolean sorting;

    SpillingSorter(long memoryBytes) throws IOException {
        this(memoryBytes, ScratchBudget.unbounded(System.getProperty("java.io.tmpdir")));
    }

    /** @param scratch the local disk the run files may take; past it {@link #add} and {@link #sorted} refuse */
    SpillingSorter(long memoryBytes, ScratchBudget scratch) throws IOException {
        this.memoryBytes = memoryBytes;
        this.scratch = scratch;
        this.folder = Files.createTempDirectory("palimpsest-sort");
    }

    synchronized void add(byte[] key, int value) throws IOException {
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

    synchronized long count() {
        return count;
    }

    /**
     * A feeder for one thread, holding at most {@code memoryShare} bytes of records before it sorts them and writes
     * them as a run itself; close it (from its thread) once its last record is added, before {@link #sorted}.
     */
    Feeder feeder(long memoryShare) {
        if (sorting) {
            throw new IllegalStateException("feeder after sorted()");
        }
        return new Feeder(memoryShare);
    }

    /** Adds records to the sort from one thread; not to be shared between threads. */
    final class Feeder implements Closeable {
        private final long share;
        private List<Entry> mine = new ArrayList<>();
        private long mineBytes;
        private long added;
        private boolean closed;

        private Feeder(long share) {
            this.share = share;
        }

        void add(byte[] key, int value) throws IOException {
            if (closed || sorting) {
                throw new IllegalStateException("add after close() or sorted()");
            }
            mine.add(new Entry(key, value));
            mineBytes += key.length + ENTRY_OVERHEAD;
            added++;
            if (mineBytes >= share) {
                writeRun(mine);
                mine = new ArrayList<>();
                mineBytes = 0;
            }
        }

        /** Hands what it holds and its count to the sort. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (SpillingSorter.this) {
                count += added;
                if (!mine.isEmpty()) {
                    leftovers.add(mine);
                }
            }
            mine = null;
        }
    }

    /** Run files written so far (0 when everything fitted in memory). */
    int spilledRuns() {
        return runs.size();
    }

    /** Every record added, in {@link #ORDER}; call once, after the last {@link #add}. */
    synchronized Cursor sorted() throws IOException {
        sorting = true;
        for (List<Entry> left : leftovers) {
            held.addAll(left);
        }
        leftovers.clear();
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
        List<Path> pending;
        synchronized (runs) {
            pending = new ArrayList<>(runs);
        }
        while (pending.size() > FAN_IN) {
            List<Path> round = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += FAN_IN) {
                List<Path> group = pending.subList(from, Math.min(pending.size(), from + FAN_IN));
                long bytes = 0;
                for (Path run : group) {
                    bytes += onDisk.getOrDefault(run, 0L);
                }
                Path merged = reserveFile("merged-", bytes);
                try (Cursor cursor = new Merge(group);
                        DataOutputStream out = open(merged)) {
                    Entry entry;
                    while ((entry = cursor.next()) != null) {
                        write(out, entry);
                    }
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
        writeRun(held);
        held = new ArrayList<>();
        heldBytes = 0;
    }

    /** Sorts {@code entries} and writes them as one run file, once the scratch budget has room for all of it. */
    private void writeRun(List<Entry> entries) throws IOException {
        entries.sort(ORDER);
        long bytes = 0;
        for (Entry entry : entries) {
            bytes += 8L + entry.key.length;
        }
        Path run = reserveFile("run-", bytes);
        try (DataOutputStream out = open(run)) {
            for (Entry entry : entries) {
                write(out, entry);
            }
        }
        runs.add(run);
    }

    /**
     * A new file under the sort's folder, its {@code bytes} taken from the scratch budget before anything is written
     * to it (given back when it is deleted); refuses past the budget ({@link ScratchBudget#reserve}).
     */
    private Path reserveFile(String prefix, long bytes) throws IOException {
        scratch.reserve(bytes);
        Path file;
        try {
            file = Files.createTempFile(folder, prefix, ".bin");
        } catch (IOException | RuntimeException e) {
            scratch.release(bytes);
            throw e;
        }
        onDisk.put(file, bytes);
        return file;
    }

    private static DataOutputStream open(Path file) throws IOException {
        return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER));
    }

    /** Writes one record (8 bytes + its key), taken from the scratch budget with its file. */
    private static void write(DataOutputStream out, Entry entry) throws IOException {
        out.writeInt(entry.key.length);
        out.write(entry.key);
        out.writeInt(entry.value);
    }

    /** Deletes the run files; call once every feeder's thread is done with it. */
    @Override
    public synchronized void close() throws IOException {
        held = new ArrayList<>();
        leftovers.clear();
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
