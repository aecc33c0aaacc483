package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.JsonlWriter;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Turns results that arrive in any order into checkpoint parts. A result is appended to the part
 * being filled as soon as it arrives, whatever its item number; when the part holds
 * {@code checkpointEvery} items it is uploaded and its marker (listing its item numbers) created. A
 * kill therefore throws away at most the answered items of the one part being filled (plus any that
 * arrive while it uploads); nothing waits for a slow earlier item.
 *
 * <p>Exactly once: a marker is created only under the next free part number and only when its items
 * overlap none of the markers before it (all of which this writer has seen: it created or read each
 * number below its own). A twin attempt that committed some of the same items first wins them; this
 * writer's overlapping part is dropped, and the items of it the twin did not cover are redone by the
 * next pass over the shard.
 *
 * <p>All state is confined to one thread; callers only post results.
 */
public final class PartWriter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PartWriter.class.getName());

    /**
     * One finished item: its number in the shard, what it was, and what came of it.
     *
     * @param untilAnswered a {@code model_error} reject taken on the shard's last attempt: held out of
     *     the parts until a later document is answered or the input ends, so that when the attempt
     *     stops for the model's outage (five in a row) it is in no part and the next attempt does it again
     */
    public record Completed(long ordinal, InputItem item, ProcessedDocument result, boolean untilAnswered) {
        public Completed(long ordinal, InputItem item, ProcessedDocument result) {
            this(ordinal, item, result, false);
        }
    }

    private final Storage storage;
    private final ShardLayout layout;
    private final CheckpointStore checkpoints;
    private final List<String> streams;
    private final String writerId;
    private final int checkpointEvery;
    private final ReadAhead window;
    private final ObjectMapper json;
    private final Path tempDir;
    private final Compression compression;
    private final RejectRecords rejects;
    private final BooleanSupplier receiptExists;
    /** The model's outage was recognised ({@link DocumentProcessor#outageRecognised()}): asked at each release. */
    private final BooleanSupplier outageRecognised;
    /** Told of each held reject as it enters a part: the run's progress counts it only then, never one left out. */
    private final Consumer<ProcessedDocument> heldWritten;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "part-writer");
        t.setDaemon(true);
        return t;
    });

    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Items in markers this writer has seen (its own and those of twins it met). */
    private final ItemRanges known;

    private int nextPart;
    /**
     * Names this writer's part files: the writer id and a nonce of this instance, since a second pass
     * or a resumed attempt of the same writer starts numbering again, and must never overwrite a file
     * that a committed marker names.
     */
    private final String fileTag;
    /** Numbers this instance's part files carry, independent of the marker number each gets. */
    private int fileSequence;

    /** The parts this writer committed (a twin's are not in it), guarded by itself. */
    private final List<PartMarker> committed = new ArrayList<>();

    private long appended;
    /** Rejects waiting for a later answer ({@link Completed#untilAnswered}), in the order they came. */
    private final List<Completed> held = new ArrayList<>();
    /** How many rejects are held now: read by any thread, final once {@link #done()} is. */
    private volatile int heldCount;
    /** The attempt is failing or stopping: what is held is not written, whatever comes back after. */
    private boolean withholding;

    private long submitted = -1;
    private long total = -1;
    private PartBuilder current;
    private ItemRanges currentItems = new ItemRanges();

    public PartWriter(
            Storage storage,
            ShardLayout layout,
            CheckpointStore checkpoints,
            List<String> variants,
            String writerId,
            int checkpointEvery,
            ReadAhead window,
            ObjectMapper json,
            Path tempDir,
            Compression compression,
            BooleanSupplier receiptExists,
            BooleanSupplier outageRecognised,
            Consumer<ProcessedDocument> heldWritten,
            CheckpointStore.State state) {
        this.storage = storage;
        this.layout = layout;
        this.checkpoints = checkpoints;
        this.streams = streamsOf(variants);
        this.writerId = writerId;
        this.fileTag =
                writerId + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        this.checkpointEvery = checkpointEvery;
        this.window = window;
        this.json = json;
        this.tempDir = tempDir;
        this.compression = compression;
        this.rejects = new RejectRecords(json);
        this.receiptExists = receiptExists;
        this.outageRecognised = outageRecognised;
        this.heldWritten = heldWritten;
        this.known = new ItemRanges();
        this.known.addAll(state.done());
        this.nextPart = state.nextPart();
    }

    static List<String> streamsOf(List<String> variants) {
        List<String> all = new ArrayList<>(variants);
        all.add(ShardLayout.REJECTS_STREAM);
        return all;
    }

    public void accept(Completed completed) {
        thread.execute(() -> guarded(() -> onCompleted(completed)));
    }

    /**
     * The input ran out after {@code itemCount} items, {@code submittedCount} of which were handed out
     * in this pass (the others were done before).
     */
    public void endOfInput(long itemCount, long submittedCount) {
        thread.execute(() -> guarded(() -> {
            total = itemCount;
            submitted = submittedCount;
            maybeFinish();
        }));
    }

    /** Fails the run after every result already posted has been written (and full parts committed). */
    public void fail(Throwable cause) {
        try {
            thread.execute(() -> done.completeExceptionally(cause));
        } catch (RejectedExecutionException closed) {
            done.completeExceptionally(cause);
        }
    }

    /**
     * Commits what the part being filled holds now, however few items (a stop on SIGTERM keeps what
     * was answered); runs after every result already posted, on the writer's thread.
     */
    public void flushPart() {
        try {
            thread.execute(() -> guarded(() -> {
                if (!currentItems.isEmpty()) {
                    commitPart(null);
                }
            }));
        } catch (RejectedExecutionException closed) {
            // the writer is closed: nothing is being filled
        }
    }

    /**
     * The attempt is stopping (a failure, an outage, SIGTERM): the rejects held until a later answer
     * ({@link Completed#untilAnswered}) stay out of every part, even when documents in flight are
     * answered after this, and the next attempt does them again. Runs after every result already posted.
     */
    public void withholdRejects() {
        try {
            thread.execute(() -> withholding = true);
        } catch (RejectedExecutionException closed) {
            // the writer is closed: nothing more is written
        }
    }

    /** The parts this writer committed; final once {@link #done()} is. */
    public List<PartMarker> committed() {
        synchronized (committed) {
            return List.copyOf(committed);
        }
    }

    /**
     * The rejects held ({@link Completed#untilAnswered}) and in no part: once {@link #done()} failed, those the
     * attempt leaves to the next one, which does their documents again.
     */
    public int held() {
        return heldCount;
    }

    /** Completes when the pass's last part is committed, or exceptionally on the first failure. */
    public CompletableFuture<Void> done() {
        return done;
    }

    private void onCompleted(Completed completed) throws IOException {
        appended++;
        window.release(completed.item());
        if (completed.untilAnswered()) {
            held.add(completed);
            heldCount = held.size();
        } else {
            // asked here, not only told by withholdRejects: an answer judged after the outage was recognised may
            // arrive before the failure that shows it, and must not release the rejects the outage caused
            if (!withholding && !outageRecognised.getAsBoolean()) {
                releaseHeld(); // a later document answered: the model was up, those rejects are the documents'
            }
            add(completed);
        }
        maybeFinish();
    }

    private void add(Completed completed) throws IOException {
        append(completed);
        if (currentItems.size() >= checkpointEvery) {
            commitPart(null);
        }
    }

    private void releaseHeld() throws IOException {
        for (Completed c : held) {
            add(c);
            heldWritten.accept(c.result());
        }
        held.clear();
        heldCount = 0;
    }

    private void maybeFinish() throws IOException {
        if (submitted >= 0 && appended == submitted && !done.isDone()) {
            // the input ended with every document back and no outage recognised: the rejects held are the documents'
            releaseHeld();
            commitPart(total);
            done.complete(null);
        }
    }

    private void append(Completed completed) throws IOException {
        if (current == null) {
            current = new PartBuilder(json, tempDir, streams, compression);
        }
        currentItems.add(completed.ordinal());
        ProcessedDocument result = completed.result();
        ItemCounts counts = current.counts;
        counts.read++;
        counts.promptTokens += result.promptTokens();
        counts.completionTokens += result.completionTokens();
        for (VariantRecord output : result.outputs()) {
            current.write(output.variant(), output.record());
            counts.variants.merge(output.variant(), 1L, Long::sum);
        }
        for (Rejection rejection : result.rejections()) {
            current.write(ShardLayout.REJECTS_STREAM, rejects.of(completed.item(), rejection));
        }
        ItemReason.Outcome outcome = result.outcomeOrNullIfWritten();
        if (outcome == null) {
            counts.written++;
        } else if (outcome == ItemReason.Outcome.SKIPPED) {
            counts.skipped++;
            counts.skipReasons.merge(result.reasonIfNotWritten().code(), 1L, Long::sum);
        } else {
            counts.rejected++;
            counts.reasons.merge(result.reasonIfNotWritten().code(), 1L, Long::sum);
        }
    }

    /** @param shardTotal the shard's item count when the input has run out, else null */
    private void commitPart(Long shardTotal) throws IOException {
        if (receiptExists.getAsBoolean()) {
            throw new CommittedByAnotherAttempt(layout.receiptKey());
        }
        if (current == null) {
            current = new PartBuilder(json, tempDir, streams, compression);
        }
        try (PartBuilder builder = current) {
            if (!builder.counts.balanced()) {
                throw new IllegalStateException(
                        layout.shardName() + " part accounting does not add up: " + builder.counts);
            }
            Map<String, JsonlWriter> written = builder.finish();
            Map<String, StreamFile> files = new LinkedHashMap<>();
            int sequence = fileSequence++;
            for (String stream : streams) {
                JsonlWriter writer = written.get(stream);
                String key = layout.partDataKey(sequence, fileTag, stream);
                storage.put(key, builder.file(stream));
                files.put(stream, new StreamFile(key, writer.records(), writer.bytes(), writer.sha256()));
            }
            createMarker(files, builder.counts, shardTotal);
        }
        current = null;
        currentItems = new ItemRanges();
    }

    /** Takes the next free part number; gives the part up if a twin's marker took any of its items. */
    private void createMarker(Map<String, StreamFile> files, ItemCounts counts, Long shardTotal) throws IOException {
        while (true) {
            if (currentItems.overlaps(known)) {
                LOG.info(layout.shardName()
                        + ": another attempt committed some of this part's items first; the part is dropped");
                for (StreamFile file : files.values()) {
                    storage.delete(file.key());
                }
                return;
            }
            PartMarker mine = new PartMarker(nextPart, currentItems, shardTotal, writerId, files, counts);
            PartMarker inForce = checkpoints.createOrGetExisting(mine);
            nextPart++;
            if (inForce.writer().equals(writerId) && inForce.items().equals(currentItems)) {
                known.addAll(currentItems);
                synchronized (committed) {
                    committed.add(inForce);
                }
                return;
            }
            // a twin's marker: its items count if they overlap nothing before it (as CheckpointStore.read decides)
            CheckpointStore.accept(known, inForce);
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
