package io.palimpsest.worker.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.storage.Storage;

/**
 * {@code palimpsest run}: one attempt at one shard. Skips a committed shard, resumes after the
 * committed parts of earlier attempts, streams the remaining items through the processor, and
 * commits. Returns a summary and an exit code; never throws for an expected failure.
 */
public final class ShardRunner {

    private static final Logger LOG = Logger.getLogger(ShardRunner.class.getName());

    /** The summary for the termination message and the exit code that goes with it. */
    public record Report(ShardSummary summary, int exitCode) {
    }

    private final Storage input;
    private final Storage output;
    private final DocumentReaders readers;
    private final DocumentProcessor processor;
    private final RunSettings settings;
    private final ObjectMapper json;
    private final RunProgress progress;
    /** Set by {@link #stop}: the termination signal arrived. */
    private volatile Duration stopWithin;
    private volatile InFlight current;

    public ShardRunner(Storage input, Storage output, DocumentReaders readers, DocumentProcessor processor,
                       RunSettings settings, ObjectMapper json, RunProgress progress) {
        this.input = input;
        this.output = output;
        this.readers = readers;
        this.processor = processor;
        this.settings = settings;
        this.json = json;
        this.progress = progress;
    }

    /**
     * SIGTERM: take no more documents, let the ones in flight come back for at most
     * {@code within}, commit every checkpoint part they complete, and end the run with exit 143
     * (the next attempt resumes after those parts). Safe from any thread, at any point of the run.
     */
    public void stop(Duration within) {
        stopWithin = within;
        InFlight inFlight = current;
        if (inFlight != null) {
            inFlight.stop(new TerminationRequested(), within);
        }
    }

    public Report run(Shard shard) {
        long startNanos = System.nanoTime();
        String startedAt = Instant.now().toString();
        ShardLayout layout = new ShardLayout(shard.index(), settings.compression());
        CheckpointStore checkpoints = new CheckpointStore(output, layout, json);
        ShardCommitter committer = new ShardCommitter(output, layout, checkpoints, json);
        try {
            if (output.exists(layout.receiptKey())) {
                checkpoints.deleteAll();
                return report(shard, ShardSummary.Outcome.alreadyCommitted, committer.readReceipt().counts(), startNanos,
                        "receipt_exists", "shard was committed before; nothing to do", ExitCode.DONE);
            }
            List<PartMarker> parts = checkpoints.committedParts();
            long resumeFrom = parts.isEmpty() ? 0 : parts.get(parts.size() - 1).end();
            if (parts.isEmpty() || !parts.get(parts.size() - 1).last()) {
                process(shard, layout, checkpoints, parts.size(), resumeFrom);
                parts = checkpoints.committedParts();
            }
            ShardCommitter.Outcome outcome = committer.commit(parts, new ShardCommitter.Context(settings.attempt(), settings.writerId(),
                    settings.job(), settings.jobUid(), settings.recipeHash(), settings.model(), startedAt, startNanos, resumeFrom));
            if (!outcome.committedByUs()) {
                return report(shard, ShardSummary.Outcome.alreadyCommitted, outcome.receipt().counts(), startNanos,
                        "committed_by_twin", "another attempt committed this shard first", ExitCode.DONE);
            }
            return report(shard, ShardSummary.Outcome.committed, outcome.receipt().counts(), startNanos, null, null, ExitCode.DONE);
        } catch (Throwable failure) {
            return failureReport(shard, layout, committer, unwrap(failure), startNanos);
        }
    }

    private void process(Shard shard, ShardLayout layout, CheckpointStore checkpoints, int firstPart, long resumeFrom)
            throws IOException, InterruptedException, ExecutionException {
        Semaphore window = new Semaphore(settings.window());
        try (OrderedPartWriter writer = new OrderedPartWriter(output, layout, checkpoints, processor.variants(), settings.writerId(),
                settings.checkpointEvery(), window, json, settings.tempDir(), settings.compression(),
                () -> receiptExists(layout), firstPart, resumeFrom);
             ShardInput items = new ShardInput(input, shard, readers)) {
            InFlight inFlight = new InFlight(writer);
            current = inFlight;
            if (stopWithin != null) {
                inFlight.stop(new TerminationRequested(), stopWithin);
            }
            long ordinal = 0;
            InputItem item;
            while ((item = items.next()) != null) {
                if (ordinal >= resumeFrom) {
                    if (inFlight.stopping() || !acquire(window, writer, inFlight)) {
                        break;
                    }
                    submit(writer, inFlight, ordinal, item);
                }
                ordinal++;
            }
            if (!inFlight.stopping()) {
                writer.endOfInput(ordinal);
            }
            writer.done().get();
        }
    }

    /** Waits for room in the window; false when the run is failing (stop reading). */
    private static boolean acquire(Semaphore window, OrderedPartWriter writer, InFlight inFlight) throws InterruptedException {
        while (!window.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            if (writer.done().isDone() || inFlight.stopping()) {
                return false;
            }
        }
        return !writer.done().isDone();
    }

    private void submit(OrderedPartWriter writer, InFlight inFlight, long ordinal, InputItem item) {
        if (item instanceof UnusableItem unusable) {
            ProcessedDocument result = ProcessedDocument.rejected(unusable.reason(), unusable.detail(), 0, 0);
            progress.record(result);
            writer.accept(new OrderedPartWriter.Completed(ordinal, item, result));
            return;
        }
        inFlight.started();
        processor.process((Document) item).whenComplete((result, error) -> {
            if (error != null) {
                inFlight.failed(error);
            } else {
                progress.record(result);
                writer.accept(new OrderedPartWriter.Completed(ordinal, item, result));
            }
            inFlight.finished();
        });
    }

    /**
     * Documents handed to the processor and not yet back. When one fails the run (model unreachable),
     * reading stops, and the writer is failed only once the others are back (or after a grace period,
     * for requests stuck until their deadline), so every part they complete is still committed.
     */
    private static final class InFlight {
        private static final long GRACE_SECONDS = 30;
        private final OrderedPartWriter writer;
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.atomic.AtomicBoolean writerFailed = new java.util.concurrent.atomic.AtomicBoolean();

        InFlight(OrderedPartWriter writer) {
            this.writer = writer;
        }

        boolean stopping() {
            return failure.get() != null;
        }

        void started() {
            count.incrementAndGet();
        }

        void failed(Throwable error) {
            if (failure.compareAndSet(null, error)) {
                java.util.concurrent.CompletableFuture.delayedExecutor(GRACE_SECONDS, TimeUnit.SECONDS).execute(this::failWriterOnce);
            }
        }

        /**
         * Stops reading, then ends the writer as soon as the part being filled is committed (the
         * documents handed out beyond it may still wait in the model client's queue: waiting for
         * all of them would outlast the grace period), when nothing is in flight, or when
         * {@code within} is over, whichever comes first.
         */
        void stop(Throwable reason, Duration within) {
            if (!failure.compareAndSet(null, reason)) {
                return;
            }
            long committedAtStop = writer.committedItems();
            long deadline = System.nanoTime() + within.toNanos();
            Thread watch = new Thread(() -> {
                while (!writerFailed.get()) {
                    if (count.get() == 0 || writer.committedItems() > committedAtStop || System.nanoTime() >= deadline) {
                        failWriterOnce();
                        return;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        failWriterOnce();
                        return;
                    }
                }
            }, "stop-watch");
            watch.setDaemon(true);
            watch.start();
        }

        void finished() {
            if (count.decrementAndGet() == 0 && failure.get() != null) {
                failWriterOnce();
            }
        }

        private void failWriterOnce() {
            if (writerFailed.compareAndSet(false, true)) {
                writer.fail(failure.get());
            }
        }
    }

    private boolean receiptExists(ShardLayout layout) {
        try {
            return output.exists(layout.receiptKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Report failureReport(Shard shard, ShardLayout layout, ShardCommitter committer, Throwable failure, long startNanos) {
        if (failure instanceof CommittedByAnotherAttempt || committedMeanwhile(layout)) {
            ItemCounts counts = new ItemCounts();
            try {
                counts = committer.readReceipt().counts();
            } catch (IOException ignored) {
                // the receipt exists; its counts are a nicety in this summary
            }
            return report(shard, ShardSummary.Outcome.alreadyCommitted, counts, startNanos,
                    "committed_by_twin", "another attempt committed this shard first", ExitCode.DONE);
        }
        ItemCounts progressCounts = new ItemCounts();
        progressCounts.read = progress.itemsDone.get();
        if (failure instanceof TerminationRequested) {
            LOG.warning(layout.shardName() + ": terminated; " + progress.itemsDone.get() + " documents answered, complete parts kept");
            return report(shard, ShardSummary.Outcome.error, progressCounts, startNanos, TerminationRequested.REASON,
                    "stopped on SIGTERM: took no more documents, committed the complete checkpoint parts; the next attempt resumes after them",
                    ExitCode.TERMINATED);
        }
        if (failure instanceof ModelUnavailableException) {
            LOG.warning(layout.shardName() + ": model unreachable, stopping: " + failure.getMessage());
            return report(shard, ShardSummary.Outcome.modelUnreachable, progressCounts, startNanos,
                    "model_unreachable", failure.getMessage(), ExitCode.MODEL_UNREACHABLE);
        }
        if (failure instanceof ShardDataException) {
            LOG.severe(layout.shardName() + ": bad input data: " + failure.getMessage());
            return report(shard, ShardSummary.Outcome.badData, progressCounts, startNanos,
                    "bad_data", failure.getMessage(), ExitCode.BAD_DATA);
        }
        LOG.log(java.util.logging.Level.SEVERE, layout.shardName() + ": failed", failure);
        return report(shard, ShardSummary.Outcome.error, progressCounts, startNanos,
                failure.getClass().getSimpleName(), String.valueOf(failure.getMessage()), ExitCode.FAILED);
    }

    private boolean committedMeanwhile(ShardLayout layout) {
        try {
            return output.exists(layout.receiptKey());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException
                || current instanceof UncheckedIOException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private Report report(Shard shard, ShardSummary.Outcome outcome, ItemCounts counts, long startNanos,
                          String reason, String message, int exitCode) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard.index());
        summary.setAttempt(settings.attempt());
        summary.setOutcome(outcome);
        summary.setRead(counts.read);
        summary.setWritten(counts.written);
        summary.setRejected(counts.rejected);
        summary.setSkipped(counts.skipped);
        summary.setPromptTokens(counts.promptTokens);
        summary.setCompletionTokens(counts.completionTokens);
        summary.setSeconds(Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0);
        summary.setReason(reason);
        summary.setMessage(message == null ? null : truncate(message, 1000));
        return new Report(summary, exitCode);
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
