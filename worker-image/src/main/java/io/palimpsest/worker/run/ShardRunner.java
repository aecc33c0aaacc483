package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.storage.HardLinksRefusedException;
import io.palimpsest.worker.storage.ObjectReadException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoreRefusedException;
import io.palimpsest.worker.storage.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code palimpsest run}: one attempt at one shard. Skips a committed shard, resumes with the items
 * no committed part of an earlier attempt holds, streams them through the processor, and commits. Returns a summary and an exit code; never throws for an expected failure.
 */
public final class ShardRunner {

    private static final Logger LOG = Logger.getLogger(ShardRunner.class.getName());
    /** Passes over a shard before giving up; more than one happens only when twin attempts race. */
    private static final int MAX_PASSES = 10;

    /**
     * The summary for the termination message and the exit code that goes with it, and how many of the
     * shard's documents this attempt took from checkpoint parts already there when it started (answered
     * by earlier attempts, not sent again; 0 when it started the shard afresh). Not in the summary: the
     * summary's counts, and the receipt's, are what they were.
     */
    public record Report(ShardSummary summary, int exitCode, long resumed) {
        public Report(ShardSummary summary, int exitCode) {
            this(summary, exitCode, 0);
        }
    }

    private final Storage input;
    private final Storage output;
    private final DocumentReaders readers;
    private final DocumentProcessor processor;
    private final RunSettings settings;
    private final ObjectMapper json;
    private final RunProgress progress;
    private final RepeatedIds.Source repeats;
    /** Files whose start is not checked: the plan read each whole and found a document in it. */
    private final Set<String> waivedStarts;
    /** This attempt's documents: a summary without a receipt counts these, never the process's. */
    private final AttemptCounts attemptCounts = new AttemptCounts();
    /** Set by {@link #stop}: the termination signal arrived. */
    private volatile Duration stopWithin;
    /** The signal that stopped the run ({@code SIGTERM}, {@code SIGINT}), when the process knows it. */
    private volatile String stopSignal;

    private volatile InFlight current;
    /** The documents in checkpoint parts when this attempt read them first: resumed, not sent again. */
    private volatile long resumed;
    /** Earlier attempts of this shard that ended at the outage gate: not counted towards its last attempt. */
    private volatile int outageExits;
    /** The plan this attempt runs under (null: not compared), for the reports of its failures. */
    private volatile String planSha256;
    /** Set by {@link #onlyIfCommitted}: what the run ends with when the shard has no receipt. */
    private volatile ShardSummary notRun;

    public ShardRunner(
            Storage input,
            Storage output,
            DocumentReaders readers,
            DocumentProcessor processor,
            RunSettings settings,
            ObjectMapper json,
            RunProgress progress) {
        this(input, output, readers, processor, settings, json, progress, () -> RepeatedIds.inMemory(Map.of()));
    }

    /**
     * @param repeats the shard's documents whose id came before them in the plan (rejected as
     *                {@code duplicate_id}), opened once per pass
     */
    public ShardRunner(
            Storage input,
            Storage output,
            DocumentReaders readers,
            DocumentProcessor processor,
            RunSettings settings,
            ObjectMapper json,
            RunProgress progress,
            RepeatedIds.Source repeats) {
        this(input, output, readers, processor, settings, json, progress, repeats, Set.of());
    }

    /**
     * @param waivedStarts the files whose start check the plan waives ({@link ShardInput}): their unreadable first
     *                     lines are rejects, not the shard's failure
     */
    public ShardRunner(
            Storage input,
            Storage output,
            DocumentReaders readers,
            DocumentProcessor processor,
            RunSettings settings,
            ObjectMapper json,
            RunProgress progress,
            RepeatedIds.Source repeats,
            Set<String> waivedStarts) {
        this.repeats = repeats;
        this.waivedStarts = Set.copyOf(waivedStarts);
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
        stop(within, null);
    }

    /** As {@link #stop(Duration)}, naming the signal received in the attempt's summary (null: not known). */
    public void stop(Duration within, String signal) {
        stopSignal = signal;
        stopWithin = within;
        InFlight inFlight = current;
        if (inFlight != null) {
            inFlight.stop(new TerminationRequested(), within);
        }
    }

    /**
     * What a stop left behind: the documents still waiting for the model when its wait ran out, whose
     * answers (however many come back before the process ends) are in no part.
     */
    private static String notKept(InFlight inFlight) {
        if (inFlight == null || inFlight.leftInFlight <= 0) {
            return "";
        }
        Duration within = inFlight.stopWithin;
        return "; " + inFlight.leftInFlight + " document(s) still waiting for the model when the wait ("
                + (within == null ? "--stop-within" : "3/4 of --stop-within " + within)
                + ") ran out are not kept: the next attempt sends them again (a longer --stop-within keeps more)";
    }

    /** How a stopped attempt's summary says why: the signal, when known. */
    static String stoppedBy(String signal) {
        return signal == null ? "stopped by a signal" : "stopped on " + signal;
    }

    /**
     * The shard may not run (its attempts are spent as the operator counts them): {@link #run} still looks for its
     * receipt first and reports a shard committed before as it reports any (exit 0), and otherwise ends at once with
     * {@code refusal} and exit 43, nothing read, nothing sent to the model, nothing written.
     */
    public ShardRunner onlyIfCommitted(ShardSummary refusal) {
        this.notRun = refusal;
        return this;
    }

    /** {@link #run(Shard, String)} comparing no plan: for callers that read none. */
    public Report run(Shard shard) {
        return run(shard, null);
    }

    /**
     * @param planSha256 the plan the shard was read from ({@link PlanIdentity}): the receipt and the part markers record
     *                   it, parts of another plan are not resumed nor committed, a receipt naming another plan is not
     *                   taken as this shard's commit, and the plan in force is confirmed before parts are resumed and
     *                   before the receipt is created (null: none is compared)
     */
    public Report run(Shard shard, String planSha256) {
        this.planSha256 = planSha256;
        long startNanos = System.nanoTime();
        String startedAt = Instant.now().toString();
        resumed = 0;
        ShardLayout layout = new ShardLayout(shard.index(), settings.compression());
        progress.shardBytes.addAndGet(shard.bytes());
        CheckpointStore checkpoints = new CheckpointStore(
                output,
                layout,
                json,
                settings.recipeHash(),
                settings.model(),
                settings.modelIdentity(),
                planSha256,
                settings.output());
        ShardCommitter committer = new ShardCommitter(output, layout, checkpoints, json);
        try {
            String simulatedWork = simulatedWorkOnRealModel();
            if (simulatedWork == null) {
                simulatedWork = realWorkOnSimulatedModel();
            }
            if (simulatedWork != null) {
                return report(
                        shard,
                        ShardSummary.Outcome.modelConfig,
                        new ItemCounts(),
                        startNanos,
                        ShardReason.SIMULATED_OUTPUT,
                        simulatedWork,
                        ExitCodes.MODEL_CONFIG);
            }
            if (output.exists(layout.receiptKey())) {
                // before anything is cleaned up: a receipt of another plan leaves this plan's parts as they are
                ItemCounts before = committer.receiptOf(planSha256).counts();
                committer.cleanUp(PartWriter.streamsOf(processor.variants()));
                progress.bytesRead.addAndGet(shard.bytes()); // nothing left to read: the shard is as far as it goes
                progress.bytesCommittedBefore.addAndGet(shard.bytes());
                progress.itemsCommittedBefore.addAndGet(before.read);
                return report(
                        shard,
                        ShardSummary.Outcome.alreadyCommitted,
                        before,
                        startNanos,
                        ShardReason.RECEIPT_EXISTS,
                        "shard was committed before; nothing to do",
                        ExitCodes.DONE);
            }
            if (notRun != null) {
                return new Report(notRun, ExitCodes.ATTEMPTS_EXHAUSTED);
            }
            PlanIdentity.confirm(output, planSha256, layout.shardName(), "resuming its checkpoint parts");
            String madeOtherwise =
                    checkpoints.madeOtherwise(settings.recipeHash(), settings.model(), settings.modelIdentity());
            if (madeOtherwise != null) {
                // a change was accepted, or parts of an earlier version do not say how they were made: this
                // shard's receipt will name this recipe and model, so it starts over
                LOG.warning(layout.shardName() + ": " + madeOtherwise + "; its checkpoint parts are discarded"
                        + " and the shard starts over, so that its receipt names how all of it was made");
                checkpoints.deleteAll();
            }
            outageExits = OutageExits.before(output, layout, settings);
            CheckpointStore.State state = checkpoints.read();
            long resumedWith = state.done().size();
            resumed = resumedWith;
            if (!state.complete() && settings.simulated()) {
                // before the first part: simulated work is never in an output without this mark
                output.createIfAbsent(
                        ShardLayout.simulatedMarkerKey(),
                        json.writeValueAsBytes(Map.of(
                                "simulated",
                                true,
                                "note",
                                "the built-in simulator served the model; a run on a real model refuses this output")));
            }
            ShardCommitter.Outcome outcome = null;
            int pass = 1;
            while (outcome == null) {
                for (; !state.complete(); pass++) {
                    if (pass > MAX_PASSES) {
                        throw new IllegalStateException(layout.shardName() + " is still incomplete after " + MAX_PASSES
                                + " passes: twin attempts keep taking its parts");
                    }
                    process(shard, layout, checkpoints, state);
                    state = checkpoints.read();
                }
                try {
                    outcome = committer.commit(
                            state,
                            new ShardCommitter.Context(
                                    settings.attempt(),
                                    settings.writerId(),
                                    settings.job(),
                                    settings.jobUid(),
                                    settings.recipeHash(),
                                    settings.model(),
                                    startedAt,
                                    startNanos,
                                    resumedWith,
                                    settings.simulated(),
                                    planSha256));
                } catch (ShardCommitter.CheckpointPartMismatch mismatch) {
                    if (pass > MAX_PASSES) {
                        throw mismatch;
                    }
                    // never committed as is: the part goes, and the next pass redoes its items
                    boolean withdrawn = checkpoints.withdrawDamaged(mismatch.part());
                    LOG.warning(mismatch.getMessage() + "; " + (withdrawn ? "" : "a twin attempt already ")
                            + "withdrew part " + mismatch.part().part() + " and its "
                            + mismatch.part().items().size() + " items are redone");
                    state = checkpoints.read();
                    pass++;
                }
            }
            if (!outcome.committedByUs()) {
                return report(
                        shard,
                        ShardSummary.Outcome.alreadyCommitted,
                        outcome.receipt().counts(),
                        startNanos,
                        ShardReason.COMMITTED_BY_TWIN,
                        "another attempt committed this shard first",
                        ExitCodes.DONE);
            }
            return report(
                    shard,
                    ShardSummary.Outcome.committed,
                    outcome.receipt().counts(),
                    startNanos,
                    null,
                    null,
                    ExitCodes.DONE);
        } catch (Throwable failure) {
            Throwable cause = unwrap(failure);
            Report report = failureReport(shard, layout, committer, cause, startNanos);
            String left = leftToTheNextAttempt(attemptCounts.rejectsLeft(), "before the attempt stopped");
            if (!left.isEmpty()
                    && !(cause instanceof ModelUnavailableException)
                    && !(cause instanceof ModelConfigException)
                    && report.summary().getOutcome() != ShardSummary.Outcome.alreadyCommitted) {
                // a stop of any kind holds back the rejects waiting for a later answer (the outage's says it itself;
                // a refusal for every document is said in the server's words alone, which local says once)
                String message = report.summary().getMessage();
                report.summary().setMessage(truncate(String.valueOf(message) + left, 1000));
            }
            return report;
        }
    }

    /**
     * One pass over the shard's items: those not in a part yet are handed to the processor. Usually
     * one pass completes the shard; a twin that won some of this pass's parts leaves gaps for the next.
     */
    private void process(Shard shard, ShardLayout layout, CheckpointStore checkpoints, CheckpointStore.State state)
            throws IOException, InterruptedException, ExecutionException {
        ReadAhead window = new ReadAhead(settings.window(), settings.windowBytes());
        try (PartWriter writer = new PartWriter(
                        output,
                        layout,
                        checkpoints,
                        processor.variants(),
                        settings.writerId(),
                        settings.checkpointEvery(),
                        window,
                        json,
                        settings.tempDir(),
                        settings.compression(),
                        () -> receiptExists(layout),
                        processor::outageRecognised,
                        progress::record,
                        state);
                ShardInput items = new ShardInput(
                        input, shard, readers, repeats.open(), progress.bytesRead::addAndGet, waivedStarts)) {
            try {
                pass(state, writer, items, window);
            } finally {
                // once the writer is done: its parts are final, and so are the rejects it held out of them
                attemptCounts.kept(writer.committed());
                attemptCounts.rejectsLeft(writer.held());
            }
        }
    }

    private void pass(CheckpointStore.State state, PartWriter writer, ShardInput items, ReadAhead window)
            throws IOException, InterruptedException, ExecutionException {
        InFlight inFlight = new InFlight(writer);
        current = inFlight;
        if (stopWithin != null) {
            inFlight.stop(new TerminationRequested(), stopWithin);
        }
        long ordinal = 0;
        long submitted = 0;
        while (true) {
            long inParts = state.done().runFrom(ordinal);
            if (inParts > 0) {
                // in checkpoint parts already, as good as answered: passed over, not decoded where the reader can
                // avoid it (a resumed Parquet shard's row groups unread), their numbers kept
                long passed = items.skip(inParts);
                progress.itemsRead.addAndGet(passed);
                progress.itemsResumed.addAndGet(passed);
                ordinal += passed;
                if (passed < inParts) {
                    break;
                }
                continue;
            }
            InputItem item = items.next();
            if (item == null) {
                break;
            }
            progress.itemsRead.incrementAndGet();
            if (inFlight.stopping() || !acquire(window, item, writer, inFlight)) {
                break;
            }
            submit(writer, window, inFlight, ordinal, item);
            submitted++;
            ordinal++;
        }
        if (!inFlight.stopping()) {
            writer.endOfInput(ordinal, submitted);
        }
        writer.done().get();
    }

    /** Waits for room for {@code item} in the window; false when the run is failing (stop reading). */
    private static boolean acquire(ReadAhead window, InputItem item, PartWriter writer, InFlight inFlight)
            throws InterruptedException {
        if (!window.acquire(item, () -> writer.done().isDone() || inFlight.stopping())) {
            return false;
        }
        if (writer.done().isDone()) {
            window.release(item);
            return false;
        }
        return true;
    }

    /** Hands {@code item} on; the writer gives its room in the window back when it takes the result. */
    private void submit(PartWriter writer, ReadAhead window, InFlight inFlight, long ordinal, InputItem item) {
        attemptCounts.took();
        if (item instanceof UnusableItem unusable) {
            ProcessedDocument result = ProcessedDocument.rejected(unusable.reason(), unusable.detail(), 0, 0);
            progress.record(result);
            writer.accept(new PartWriter.Completed(ordinal, item, result));
            return;
        }
        inFlight.started();
        processor.process((Document) item).whenComplete((result, error) -> {
            ProcessedDocument done = error == null ? result : lastAttemptReject(unwrap(error));
            if (done == null) {
                window.release(item); // never reaches the writer: the attempt fails on it
                inFlight.failed(error);
            } else {
                if (settings.simulated()) {
                    markSimulated(done);
                }
                boolean untilAnswered = error != null;
                if (!untilAnswered) {
                    progress.record(done);
                }
                // a reject for tries that ran out is written only once a later document is answered (or the input
                // ends): until then it may be the start of an outage, which leaves it to the next attempt (the writer
                // counts it in the progress when it writes it, so a reject left to the next attempt is never counted)
                writer.accept(new PartWriter.Completed(ordinal, item, done, untilAnswered));
            }
            inFlight.finished();
        });
    }

    /**
     * A document whose calls failed after every retry is committed as a {@code model_error} reject
     * only on the shard's last attempt; before that (null) it fails the attempt, and the Job's next
     * attempt resumes from the last checkpoint and tries it again.
     */
    private ProcessedDocument lastAttemptReject(Throwable error) {
        if (error instanceof DocumentFailedException failed && lastAttempt()) {
            return ProcessedDocument.rejected(
                    ItemReason.MODEL_ERROR, failed.getMessage() + " (" + attemptOfShard() + ")", 0, 0);
        }
        return null;
    }

    /** The shard gets no further attempt after this one, not counting attempts a model outage ended. */
    private boolean lastAttempt() {
        return settings.attempt() - outageExits >= settings.attemptsPerShard() - 1;
    }

    private String attemptOfShard() {
        return "attempt " + (settings.attempt() - outageExits + 1) + " of " + settings.attemptsPerShard()
                + (outageExits == 0 ? "" : ", not counting " + outageExits + " ended by a model outage");
    }

    private static void markSimulated(ProcessedDocument done) {
        for (VariantRecord record : done.outputs()) {
            JsonNode provenance = record.record().get("provenance");
            if (provenance instanceof ObjectNode p) {
                p.put("simulated", true);
            } else {
                record.record().putObject("provenance").put("simulated", true);
            }
        }
    }

    /** Why this run must not continue the output (it holds simulated work and this run is real), or null. */
    private String simulatedWorkOnRealModel() throws IOException {
        if (settings.simulated() || !output.exists(ShardLayout.simulatedMarkerKey())) {
            return null;
        }
        return "the output " + output.describe() + " holds work the built-in simulator served ("
                + ShardLayout.simulatedMarkerKey()
                + "); a run on a real model does not count it as done: write to a new output, or delete this one first";
    }

    /**
     * Why this simulated run must not continue the output (it holds a real model's work: a receipt or checkpoint part
     * and no {@code _palimpsest/simulated.json}, which a simulated run creates before its first part), or null: the
     * simulator's text committed beside the real model's would complete the output with it and leave it looking whole.
     */
    private String realWorkOnSimulatedModel() throws IOException {
        if (!settings.simulated() || output.exists(ShardLayout.simulatedMarkerKey())) {
            return null;
        }
        String receipts = ShardLayout.receiptsFolder();
        String checkpoints = ShardLayout.checkpointsFolder();
        boolean realWork =
                !output.firstNames(receipts, 1, name -> !name.startsWith(".")).isEmpty()
                        || !output.firstNames(checkpoints, 1, name -> !name.startsWith("."))
                                .isEmpty();
        if (!realWork) {
            return null;
        }
        return "the output " + output.describe() + " holds work of a real model (receipts or checkpoint parts under "
                + receipts + " or " + checkpoints + ", and no " + ShardLayout.simulatedMarkerKey() + "); the built-in"
                + " simulator's text is never committed beside it: run without --simulate, against the model, or try"
                + " the recipe with --simulate into a new output";
    }

    /**
     * Documents handed to the processor and not yet back. When one fails the run (model unreachable),
     * reading stops, and the writer is failed only once the others are back (or after a grace period,
     * for requests stuck until their deadline), so every part they complete is still committed.
     */
    private static final class InFlight {
        private static final long GRACE_SECONDS = 30;
        private final PartWriter writer;
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicBoolean writerFailed = new AtomicBoolean();
        /** Documents still waiting for the model when a stop's wait ran out: not kept, done again next time. */
        private volatile int leftInFlight;

        private volatile Duration stopWithin;

        InFlight(PartWriter writer) {
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
                writer.withholdRejects();
                CompletableFuture.delayedExecutor(GRACE_SECONDS, TimeUnit.SECONDS)
                        .execute(this::failWriterOnce);
            }
        }

        /**
         * Stops reading, waits for the documents in flight to be answered (or for most of
         * {@code within}, for requests stuck in the model's queue), then commits the part being
         * filled with what it holds and ends the writer: what was answered is kept, nothing else.
         */
        void stop(Throwable reason, Duration within) {
            if (!failure.compareAndSet(null, reason)) {
                return;
            }
            writer.withholdRejects();
            stopWithin = within;
            // leave a quarter of the grace period for the commit itself
            long deadline = System.nanoTime() + within.toNanos() * 3 / 4;
            Thread watch = new Thread(
                    () -> {
                        while (!writerFailed.get() && count.get() > 0 && System.nanoTime() < deadline) {
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                break;
                            }
                        }
                        failWriterOnce();
                    },
                    "stop-watch");
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
                leftInFlight = Math.max(0, count.get());
                Throwable cause = unwrap(failure.get());
                if (cause instanceof TerminationRequested
                        || cause instanceof DocumentFailedException
                        || cause instanceof ModelUnavailableException) {
                    // runs before the failure on the writer's thread: what was answered is kept, and the
                    // next attempt resumes after it (the document that failed is in no part)
                    writer.flushPart();
                }
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

    private Report failureReport(
            Shard shard, ShardLayout layout, ShardCommitter committer, Throwable failure, long startNanos) {
        if (failure instanceof PlanReplacedException) {
            return planReplaced(shard, failure.getMessage(), startNanos);
        }
        if (failure instanceof CommittedByAnotherAttempt || committedMeanwhile(layout)) {
            ItemCounts counts = new ItemCounts();
            try {
                counts = committer.receiptOf(planSha256).counts();
            } catch (PlanReplacedException anotherPlans) {
                // not a twin's: a run of another plan committed into this output
                return planReplaced(shard, anotherPlans.getMessage(), startNanos);
            } catch (IOException ignored) {
                // the receipt exists; its counts are a nicety in this summary
            }
            return report(
                    shard,
                    ShardSummary.Outcome.alreadyCommitted,
                    counts,
                    startNanos,
                    ShardReason.COMMITTED_BY_TWIN,
                    "another attempt committed this shard first",
                    ExitCodes.DONE);
        }
        // this attempt's own documents: the progress counters are the whole process's (every shard of a local run)
        ItemCounts progressCounts = attemptCounts.snapshot();
        if (failure instanceof TerminationRequested) {
            LOG.warning(layout.shardName() + ": terminated; " + attemptCounts.keptDocuments()
                    + " documents kept in checkpoint parts");
            return report(
                    shard,
                    ShardSummary.Outcome.error,
                    progressCounts,
                    startNanos,
                    ShardReason.TERMINATED,
                    stoppedBy(stopSignal)
                            + ": took no more documents, committed the complete checkpoint parts; the next attempt"
                            + " resumes after them" + notKept(current),
                    ExitCodes.TERMINATED);
        }
        if (failure instanceof ModelUnavailableException) {
            LOG.warning(layout.shardName() + ": model unreachable, stopping: " + failure.getMessage());
            long withdrawn = 0;
            if (lastAttempt()) {
                // On the last attempt each document whose tries ran out was taken as a model_error reject until
                // five in a row showed the server down: those rejects are about the outage, not the documents.
                withdrawn = withdrawRejectOnlyParts(layout, "documents that failed before the outage was recognised");
            }
            recordOutageExit(layout, ShardReason.MODEL_UNREACHABLE);
            return report(
                    shard,
                    ShardSummary.Outcome.modelUnreachable,
                    attemptCounts.snapshot(), // without the withdrawn parts: they are no longer committed
                    startNanos,
                    ShardReason.MODEL_UNREACHABLE,
                    failure.getMessage()
                            + leftToTheNextAttempt(attemptCounts.rejectsLeft(), "before the outage was recognised")
                            + withdrawnWithTheirParts(withdrawn),
                    ExitCodes.MODEL_UNREACHABLE);
        }
        Optional<StoreUnavailableException> storeDown = StoreUnavailableException.in(failure);
        if (storeDown.isPresent()) {
            // an outage like the model's: checkpoints kept, exit 75, not charged to the shard's attempts
            LOG.warning(layout.shardName() + ": object store unreachable, stopping: "
                    + storeDown.get().getMessage());
            recordOutageExit(layout, ShardReason.STORE_UNREACHABLE);
            return report(
                    shard,
                    ShardSummary.Outcome.storeUnreachable,
                    progressCounts,
                    startNanos,
                    ShardReason.STORE_UNREACHABLE,
                    storeDown.get().getMessage(),
                    ExitCodes.STORE_UNREACHABLE);
        }
        Optional<StoreRefusedException> storeRefused = StoreRefusedException.in(failure);
        if (storeRefused.isPresent()) {
            // the same answer awaits every shard: exit 78 fails the job at once (FailJob), no shard spends its attempts
            LOG.severe(layout.shardName() + ": " + storeRefused.get().getMessage());
            return report(
                    shard,
                    ShardSummary.Outcome.modelConfig,
                    progressCounts,
                    startNanos,
                    ShardReason.STORE_REFUSED,
                    storeRefused.get().getMessage(),
                    ExitCodes.MODEL_CONFIG);
        }
        Optional<HardLinksRefusedException> noLinks = HardLinksRefusedException.in(failure);
        if (noLinks.isPresent()) {
            // a volume that makes no hard links refuses every shard's markers and receipt alike: exit 78 fails the job
            // at once (FailJob), where exit 1 spent every shard's attempts on it; the commit left nothing that looks
            // committed (ShardCommitter)
            String message = noLinks.get().refusalOf(output.describe());
            LOG.severe(layout.shardName() + ": " + message);
            return report(
                    shard,
                    ShardSummary.Outcome.modelConfig,
                    progressCounts,
                    startNanos,
                    ShardReason.STORE_REFUSED,
                    message,
                    ExitCodes.MODEL_CONFIG);
        }
        if (failure instanceof ModelConfigException) {
            // the same words for every shard: the shard's line and summary say them (local says them once, at the
            // manifest field to fix), so the log says only that the shard stopped on them
            LOG.severe(layout.shardName() + ": stopped on a refusal the same for every document (the shard's"
                    + " summary says what was refused)");
            withdrawRejectOnlyParts(layout, "refused documents");
            return report(
                    shard,
                    ShardSummary.Outcome.modelConfig,
                    attemptCounts.snapshot(), // without the withdrawn parts: they are no longer committed
                    startNanos,
                    ShardReason.MODEL_CONFIG,
                    failure.getMessage(), // as the server said it: local says it once, for every shard
                    ExitCodes.MODEL_CONFIG);
        }
        if (failure instanceof DocumentFailedException failed) {
            String message = failure.getMessage() + "; " + attemptOfShard()
                    + ": the shard is retried from its last checkpoint (only the last attempt commits such a document as a"
                    + " model_error reject)";
            LOG.warning(layout.shardName() + ": " + message);
            return report(
                    shard,
                    failed.modelError() ? ShardSummary.Outcome.modelUnreachable : ShardSummary.Outcome.error,
                    progressCounts,
                    startNanos,
                    ShardReason.RETRIES_EXHAUSTED,
                    message,
                    failed.modelError() ? ExitCodes.MODEL_UNREACHABLE : ExitCodes.FAILED);
        }
        if (failure instanceof ShardDataException) {
            LOG.severe(layout.shardName() + ": bad input data: " + failure.getMessage());
            return report(
                    shard,
                    ShardSummary.Outcome.badData,
                    progressCounts,
                    startNanos,
                    ShardReason.BAD_DATA,
                    failure.getMessage(),
                    ExitCodes.BAD_DATA);
        }
        if (failure instanceof ObjectReadException) {
            // Exit 1, not 75: the operator reads 75 as the model being down (its outage budget pays, the
            // status says model_unreachable). The object store kept cutting this shard's input past the
            // resumes: a failed attempt like any other, and the Job's next one resumes from the last checkpoint.
            LOG.warning(layout.shardName() + ": " + failure.getMessage()
                    + "; the attempt fails and the shard is retried from its last checkpoint");
            return report(
                    shard,
                    ShardSummary.Outcome.error,
                    progressCounts,
                    startNanos,
                    ShardReason.INPUT_UNREADABLE,
                    failure.getMessage() + "; the shard is retried from its last checkpoint",
                    ExitCodes.FAILED);
        }
        LOG.log(Level.SEVERE, layout.shardName() + ": failed", failure);
        Report unexpected = report(
                shard,
                ShardSummary.Outcome.error,
                progressCounts,
                startNanos,
                null,
                String.valueOf(failure.getMessage()),
                ExitCodes.FAILED);
        // no code in the catalogue: the exception's type names the bug better than any fixed word
        unexpected.summary().setReason(failure.getClass().getSimpleName());
        return unexpected;
    }

    /**
     * Withdraws this attempt's trailing checkpoint parts that hold only rejects: they were committed before the
     * attempt learnt that the failure is the same for every document, and the next attempt does them again. Returns
     * how many of this attempt's documents they held, which its counts no longer call kept.
     */
    private long withdrawRejectOnlyParts(ShardLayout layout, String what) {
        try {
            List<PartMarker> withdrawn =
                    new CheckpointStore(output, layout, json).withdrawTrailingRejectOnlyParts(settings.writerId());
            if (!withdrawn.isEmpty()) {
                LOG.warning(layout.shardName() + ": withdrew " + withdrawn.size() + " checkpoint part(s) of " + what);
            }
            return attemptCounts.withdrawn(withdrawn);
        } catch (IOException | RuntimeException e) {
            LOG.warning(layout.shardName() + ": could not withdraw this attempt's checkpoint parts: " + e);
            return 0;
        }
    }

    /**
     * What a failed attempt's summary adds for the documents of the parts it withdrew ({@link #withdrawRejectOnlyParts}):
     * its counts no longer hold them. Empty when there are none.
     */
    static String withdrawnWithTheirParts(long documents) {
        if (documents <= 0) {
            return "";
        }
        return "; " + documents + (documents == 1 ? " document" : " documents") + " of the checkpoint parts holding"
                + " only rejects that it committed before are withdrawn with them: not committed, the next attempt"
                + " does " + (documents == 1 ? "it" : "them") + " again";
    }

    /**
     * What a failed attempt's summary adds for the documents taken as model_error rejects that it left out of every
     * part ({@code when} they failed): not rejected, the next attempt does them again. Empty when there are none.
     */
    static String leftToTheNextAttempt(long documents, String when) {
        if (documents <= 0) {
            return "";
        }
        return "; " + documents + (documents == 1 ? " document" : " documents") + " whose tries ran out " + when
                + (documents == 1 ? " is" : " are") + " not rejected: in no checkpoint part, left to the next"
                + " attempt, which does " + (documents == 1 ? "it" : "them") + " again";
    }

    private void recordOutageExit(ShardLayout layout, ShardReason reason) {
        try {
            OutageExits.record(output, layout, settings, reason);
        } catch (IOException | RuntimeException e) {
            LOG.warning(layout.shardName()
                    + ": could not record the outage exit (the next attempt counts it as a try): " + e);
        }
    }

    /**
     * The plan in force is not this attempt's, or the receipt names another plan: nothing of this attempt is committed
     * and no receipt is taken as this shard's. Exit 42 as for input changed since planning: the shard cannot be done
     * under the plan it was read from, and another attempt of it would find the same.
     */
    private Report planReplaced(Shard shard, String message, long startNanos) {
        LOG.severe(message);
        return report(
                shard,
                ShardSummary.Outcome.badData,
                attemptCounts.snapshot(),
                startNanos,
                ShardReason.PLAN_REPLACED,
                message,
                ExitCodes.BAD_DATA);
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
        while ((current instanceof CompletionException
                        || current instanceof ExecutionException
                        || current instanceof UncheckedIOException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private Report report(
            Shard shard,
            ShardSummary.Outcome outcome,
            ItemCounts counts,
            long startNanos,
            ShardReason reason,
            String message,
            int exitCode) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard.index());
        summary.setAttempt(settings.attempt());
        summary.setOutcome(outcome);
        summary.setRead(counts.read);
        summary.setWritten(counts.written);
        summary.setRejected(counts.rejected);
        summary.setSkipped(counts.skipped);
        summary.setWrittenByVariant(VariantCounts.merge(null, counts.variants));
        summary.setRejectedByReason(VariantCounts.merge(null, counts.reasons));
        summary.setSkippedByReason(VariantCounts.merge(null, counts.skipReasons));
        summary.setPromptTokens(counts.promptTokens);
        summary.setCompletionTokens(counts.completionTokens);
        summary.setSeconds(Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0);
        summary.setReason(reason == null ? null : reason.code());
        summary.setMessage(message == null ? null : truncate(message, 1000));
        // a shard committed before this attempt, or by a twin, was not this attempt's to resume
        return new Report(summary, exitCode, outcome == ShardSummary.Outcome.alreadyCommitted ? 0 : resumed);
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
