package io.palimpsest.worker.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.JsonlWriter;
import io.palimpsest.worker.storage.Storage;

/**
 * Turns results that arrive in any order into checkpoint parts that cover the shard's items in
 * order. Results wait in memory until every earlier item is done (the window of items handed out but
 * not yet in a part is bounded by {@code window}); then they are appended to the current part, and
 * when the part has {@code checkpointEvery} items it is uploaded and its marker created. A killed
 * run therefore loses at most the items of one unfinished part plus those waiting in the window.
 *
 * <p>All state is confined to one thread; callers only post results.
 */
public final class OrderedPartWriter implements AutoCloseable {

    /** One finished item: its number in the shard, what it was, and what came of it. */
    public record Completed(long ordinal, InputItem item, ProcessedDocument result) {
    }

    private final Storage storage;
    private final ShardLayout layout;
    private final CheckpointStore checkpoints;
    private final List<String> streams;
    private final String writerId;
    private final int checkpointEvery;
    private final Semaphore window;
    private final ObjectMapper json;
    private final Path tempDir;
    private final Compression compression;
    private final RejectRecords rejects;
    private final BooleanSupplier receiptExists;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "part-writer");
        t.setDaemon(true);
        return t;
    });

    private final Map<Long, Completed> waiting = new HashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicLong committedItems = new AtomicLong();
    private int part;
    private long next;
    private long partStart;
    private long total = -1;
    private PartBuilder current;

    public OrderedPartWriter(Storage storage, ShardLayout layout, CheckpointStore checkpoints, List<String> variants,
                             String writerId, int checkpointEvery, Semaphore window, ObjectMapper json, Path tempDir,
                             Compression compression, BooleanSupplier receiptExists, int firstPart, long firstItem) {
        this.storage = storage;
        this.layout = layout;
        this.checkpoints = checkpoints;
        this.streams = streamsOf(variants);
        this.writerId = writerId;
        this.checkpointEvery = checkpointEvery;
        this.window = window;
        this.json = json;
        this.tempDir = tempDir;
        this.compression = compression;
        this.rejects = new RejectRecords(json);
        this.receiptExists = receiptExists;
        this.part = firstPart;
        this.next = firstItem;
        this.partStart = firstItem;
        this.committedItems.set(firstItem);
    }

    static List<String> streamsOf(List<String> variants) {
        List<String> all = new java.util.ArrayList<>(variants);
        all.add(ShardLayout.REJECTS_STREAM);
        return all;
    }

    public void accept(Completed completed) {
        thread.execute(() -> guarded(() -> onCompleted(completed)));
    }

    /** No item will follow {@code itemCount - 1}. */
    public void endOfInput(long itemCount) {
        thread.execute(() -> guarded(() -> {
            total = itemCount;
            maybeFinish();
        }));
    }

    /** Fails the run after every result already posted has been written (and full parts committed). */
    public void fail(Throwable cause) {
        try {
            thread.execute(() -> done.completeExceptionally(cause));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            done.completeExceptionally(cause);
        }
    }

    /** Completes when the last part is committed, or exceptionally on the first failure. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Items of the shard that are in committed parts (including those from earlier attempts). */
    public long committedItems() {
        return committedItems.get();
    }

    private void onCompleted(Completed completed) throws IOException {
        waiting.put(completed.ordinal(), completed);
        Completed ready;
        while ((ready = waiting.remove(next)) != null) {
            append(ready);
            next++;
            window.release();
            if (next - partStart >= checkpointEvery) {
                commitPart(false);
            }
        }
        maybeFinish();
    }

    private void maybeFinish() throws IOException {
        if (total >= 0 && next == total && !done.isDone()) {
            commitPart(true);
            done.complete(null);
        }
    }

    private void append(Completed completed) throws IOException {
        if (current == null) {
            current = new PartBuilder(json, tempDir, streams, compression);
        }
        ProcessedDocument result = completed.result();
        ItemCounts counts = current.counts;
        counts.read++;
        counts.promptTokens += result.promptTokens();
        counts.completionTokens += result.completionTokens();
        for (VariantRecord output : result.outputs()) {
            current.write(output.variant(), output.record());
        }
        for (Rejection rejection : result.rejections()) {
            current.write(ShardLayout.REJECTS_STREAM, rejects.of(completed.item(), rejection));
            counts.reasons.merge(rejection.reason(), 1L, Long::sum);
        }
        ItemReason.Outcome outcome = result.outcomeOrNullIfWritten();
        if (outcome == null) {
            counts.written++;
        } else if (outcome == ItemReason.Outcome.SKIPPED) {
            counts.skipped++;
        } else {
            counts.rejected++;
        }
    }

    private void commitPart(boolean last) throws IOException {
        if (receiptExists.getAsBoolean()) {
            throw new CommittedByAnotherAttempt(layout.receiptKey());
        }
        if (current == null) {
            current = new PartBuilder(json, tempDir, streams, compression);
        }
        try (PartBuilder builder = current) {
            Map<String, JsonlWriter> written = builder.finish();
            Map<String, StreamFile> files = new LinkedHashMap<>();
            for (String stream : streams) {
                JsonlWriter writer = written.get(stream);
                String key = layout.partDataKey(part, writerId, stream);
                storage.put(key, builder.file(stream));
                files.put(stream, new StreamFile(key, writer.records(), writer.bytes(), writer.sha256()));
            }
            PartMarker mine = new PartMarker(part, partStart, next, last, writerId, files, builder.counts);
            PartMarker inForce = checkpoints.createOrGetExisting(mine);
            if (!inForce.writer().equals(writerId)) {
                adoptTwinsPart(mine, inForce);
            }
        }
        current = null;
        part++;
        partStart = next;
        committedItems.set(next);
    }

    /** A twin attempt committed this part number first: its files stand, ours go. */
    private void adoptTwinsPart(PartMarker mine, PartMarker theirs) throws IOException {
        for (StreamFile file : mine.streams().values()) {
            storage.delete(file.key());
        }
        if (theirs.start() != mine.start() || theirs.end() != mine.end() || theirs.last() != mine.last()) {
            throw new IllegalStateException("part " + mine.part() + " of " + layout.shardName() + " was committed by writer "
                    + theirs.writer() + " for items [" + theirs.start() + ", " + theirs.end() + ") but this attempt has ["
                    + mine.start() + ", " + mine.end() + "): the attempts disagree on checkpointEvery");
        }
    }

    private void guarded(IoAction action) {
        if (done.isDone()) {
            return;
        }
        try {
            action.run();
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    @Override
    public void close() throws IOException {
        thread.shutdownNow();
        if (current != null) {
            current.close();
        }
    }
}
