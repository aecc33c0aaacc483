package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** A run's accounting is printed as counted: more documents accounted for than read is said, never hidden. */
class LocalSummaryTest {
    private static ShardSummary shard(int n, long read, long written, long rejected, long skipped) {
        ShardSummary s = new ShardSummary();
        s.setShard(n);
        s.setRead(read);
        s.setWritten(written);
        s.setRejected(rejected);
        s.setSkipped(skipped);
        return s;
    }

    @Test
    void countsThatAddUpOrFallShortAreSaidAsBefore() {
        assertEquals("read 13, written 12, rejected 0, skipped 1", LocalSummary.documents(13, 12, 0, 1));
        assertEquals(
                "read 2, written 0, rejected 0, skipped 0, unfinished 2 (the run stopped before they were done)",
                LocalSummary.documents(2, 0, 0, 0));
        assertNull(LocalSummary.overcounted(List.of(shard(0, 13, 12, 0, 1), shard(1, 2, 0, 0, 0))));
    }

    @Test
    void moreDocumentsAccountedForThanReadIsSaidNamingTheShards() {
        assertEquals(
                "read 2, written 2, rejected 1, skipped 0, THE COUNTS DO NOT ADD UP: written + rejected + skipped"
                        + " exceed read by 1 (a bug in the worker's accounting; please report it)",
                LocalSummary.documents(2, 2, 1, 0));
        // shard 4 is one over, shard 5 three short: the totals would look like an unfinished run
        assertEquals(
                "do not add up: written + rejected + skipped exceed read in shard 4 by 1 (a bug in the worker's"
                        + " accounting; please report it)",
                LocalSummary.overcounted(List.of(shard(3, 5, 5, 0, 0), shard(4, 2, 2, 0, 1), shard(5, 3, 0, 0, 0))));
        assertEquals(
                "do not add up: written + rejected + skipped exceed read in shard 1 by 2, shard 2 by 1 (a bug in the"
                        + " worker's accounting; please report it)",
                LocalSummary.overcounted(List.of(shard(1, 0, 1, 1, 0), shard(2, 1, 1, 0, 1))));
    }

    @Test
    void theShardLogLineSaysItToo() {
        String line = ShardLogLine.counts(new ShardRunner.Report(shard(7, 2, 2, 1, 0), 0));
        assertTrue(line.contains(" counts_exceed_read=1 "), line);
        assertTrue(line.contains("error=\"THE COUNTS DO NOT ADD UP"), line);
        String unfinished = ShardLogLine.counts(new ShardRunner.Report(shard(7, 3, 1, 0, 0), 0));
        assertTrue(unfinished.contains(" unfinished=2 "), unfinished);
        assertTrue(!unfinished.contains("counts_exceed_read") && !unfinished.contains("error="), unfinished);
    }

    /**
     * A shard resumed from checkpoint parts says how many documents it took from them (not sent again), so a
     * resume is seen not to have started over; its counts are the shard's as before. Said only when there were any.
     */
    @Test
    void documentsResumedFromCheckpointPartsAreSaidOnTheLineAndInTheSummary() {
        ShardSummary resumedShard = shard(0, 150, 148, 1, 1);
        resumedShard.setOutcome(ShardSummary.Outcome.committed);
        String line = ShardLogLine.counts(new ShardRunner.Report(resumedShard, 0, 120));
        assertTrue(
                line.startsWith("shard-00000 committed exit=0 read=150 written=148 rejected=1 skipped=1 resumed=120"
                        + " prompt_tokens=0 "),
                line);
        ShardSummary fresh = shard(1, 150, 150, 0, 0);
        fresh.setOutcome(ShardSummary.Outcome.committed);
        String afresh = ShardLogLine.counts(new ShardRunner.Report(fresh, 0));
        assertFalse(afresh.contains("resumed"), afresh);

        String summary = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(resumedShard, 0, 120), new ShardRunner.Report(fresh, 0, 30)),
                committed(300, 298, 1, 1),
                new RunProgress(),
                null,
                1.0,
                "out/"));
        assertTrue(summary.contains("\ndocuments  read 300, written 298, rejected 1, skipped 1\n"), summary);
        assertTrue(summary.contains("\nresumed    150 documents resumed from checkpoint parts\n"), summary);
        String none = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(fresh, 0)),
                committed(150, 150, 0, 0),
                new RunProgress(),
                null,
                1.0,
                "out/"));
        assertFalse(none.contains("resumed"), none);
    }

    /** The output's totals, as ReceiptTally sums them. */
    private static Tally committed(long read, long written, long rejected, long skipped) {
        Tally tally = new Tally();
        tally.setRead(read);
        tally.setWritten(written);
        tally.setRejected(rejected);
        tally.setSkipped(skipped);
        return tally;
    }

    /**
     * The documents line is the output's totals (committed shards, as tally sums them), plus what the attempts
     * of shards left uncommitted read: a stopped run still says how many documents are unfinished, and a
     * committed shard is counted once, from the output.
     */
    @Test
    void theDocumentsAreTheOutputsTotalsPlusWhatUncommittedShardsRead() {
        ShardSummary done = shard(0, 150, 148, 1, 1);
        done.setOutcome(ShardSummary.Outcome.alreadyCommitted);
        ShardSummary stopped = shard(1, 40, 30, 0, 0);
        stopped.setOutcome(ShardSummary.Outcome.error);
        Tally output = committed(150, 148, 1, 1);
        Tally.EarlierRecipe earlier = new Tally.EarlierRecipe();
        earlier.setRecipeHash("sha256:647f0a1b2c3d4e5f");
        earlier.setReceipts(1);
        earlier.setRead(150);
        earlier.setWritten(148);
        earlier.setRejected(1);
        earlier.setSkipped(1);
        output.setEarlierRecipes(List.of(earlier));
        String summary = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(done, 0), new ShardRunner.Report(stopped, 75)),
                output,
                new RunProgress(),
                null,
                1.0,
                "out/"));
        assertTrue(
                summary.contains("\ndocuments  read 190, written 178, rejected 1, skipped 1, unfinished 10 (the run"
                        + " stopped before they were done)\n           of which read 150, written 148, rejected 1,"
                        + " skipped 1 in 1 shard under the earlier recipe sha256:647f0a1b2c3d (committed before a"
                        + " recipe change was accepted)\n"),
                summary);
    }

    /**
     * A run stopped before its documents were done paid for the requests the model answered: the tokens line
     * says so from the model client's counts, apart from the output's committed tokens, even when no document of
     * the stopped shards was finished (the shards' summaries then carry no tokens).
     */
    @Test
    void theTokensAStoppedRunPaidForAreSaidApartFromTheCommittedOnes() {
        ShardSummary done = shard(0, 150, 150, 0, 0);
        done.setOutcome(ShardSummary.Outcome.alreadyCommitted);
        ShardSummary stopped = shard(1, 129, 0, 0, 0);
        stopped.setOutcome(ShardSummary.Outcome.error);
        Tally output = committed(150, 150, 0, 0);
        output.setPromptTokens(30600);
        output.setCompletionTokens(17650);
        ClientStats stats = new ClientStats();
        stats.attempts.add(258);
        stats.successes.add(258);
        stats.promptTokens.add(52632);
        stats.completionTokens.add(30444);
        String summary = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(done, 0), new ShardRunner.Report(stopped, 130)),
                output,
                new RunProgress(),
                stats,
                1.0,
                "out/"));
        assertTrue(
                summary.contains("\ntokens     prompt 30600, completion 17650 committed (this run: prompt 52632,"
                        + " completion 30444 answered, including the requests of 1 shard not committed)\n"),
                summary);
        ShardSummary fresh = shard(0, 150, 150, 0, 0);
        fresh.setOutcome(ShardSummary.Outcome.committed);
        String complete = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(fresh, 0)), output, new RunProgress(), stats, 1.0, "out/"));
        assertTrue(
                complete.contains("\ntokens     prompt 30600, completion 17650 committed (this run: prompt 52632,"
                        + " completion 30444 answered)\n"),
                complete);
    }

    /** A run that wrote nothing, every document skipped or rejected, says so apart from its counts. */
    @Test
    void aRunThatWroteNothingSaysSo() {
        ShardSummary empty = shard(0, 20, 0, 2, 18);
        empty.setOutcome(ShardSummary.Outcome.committed);
        String summary = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(empty, 0)),
                committed(20, 0, 2, 18),
                new RunProgress(),
                null,
                1.0,
                "out/"));
        assertTrue(
                summary.contains("\nnothing    no document got an output: look at the rejects (palimpsest show"
                        + " <output>) and the recipe's filters, routes and validators before using this output\n"),
                summary);
        assertEquals(
                "no document got an output (skipped filter:metadata 18, rejected malformed_json 2): look at the rejects"
                        + " (palimpsest show <output>) and the recipe's filters, routes and validators before using"
                        + " this output",
                LocalSummary.nothingWritten(Map.of("rejected/malformed_json", 2L, "skipped/filter:metadata", 18L)));
        ShardSummary some = shard(1, 20, 1, 1, 18);
        some.setOutcome(ShardSummary.Outcome.committed);
        String written = printed(() -> LocalSummary.print(
                List.of(new ShardRunner.Report(some, 0)),
                committed(20, 1, 1, 18),
                new RunProgress(),
                null,
                1.0,
                "out/"));
        assertFalse(written.contains("nothing "), written);
    }

    private static String printed(Runnable print) {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            print.run();
        } finally {
            System.setOut(before);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The requests line counts every request sent and splits it into those answered (what preview
     * estimates as requests) and those that failed, so the two commands' "requests" can be compared.
     */
    @Test
    void theRequestsLineSaysHowManyOfTheRequestsFailed() {
        ClientStats none = new ClientStats();
        none.attempts.add(16);
        none.successes.add(16);
        assertEquals(
                "16 to the model: 16 answered, none failed, latency p50 0 ms, p99 0 ms", LocalSummary.requests(none));

        ClientStats retried = new ClientStats();
        retried.attempts.add(24);
        retried.successes.add(21);
        retried.retriesByReason.computeIfAbsent("timeout", r -> new LongAdder()).add(2);
        retried.retriesByReason
                .computeIfAbsent("http_503", r -> new LongAdder())
                .add(1);
        assertEquals(
                "24 to the model: 21 answered, 3 failed (http_503 1, timeout 2), latency p50 0 ms, p99 0 ms",
                LocalSummary.requests(retried));

        ClientStats refused = new ClientStats();
        refused.attempts.add(24);
        refused.successes.add(18);
        refused.retriesByReason.computeIfAbsent("timeout", r -> new LongAdder()).add(2);
        refused.refusedByStatus
                .computeIfAbsent("http_400", r -> new LongAdder())
                .add(1);
        refused.refusedByStatus
                .computeIfAbsent("http_401", r -> new LongAdder())
                .add(3);
        assertEquals(
                "24 to the model: 18 answered, 2 failed (timeout 2), 4 refused (http_400 1, http_401 3), latency p50 0 ms, p99 0 ms",
                LocalSummary.requests(refused));

        // a run stopped while its requests were in flight: sent, never answered, no tokens known of them
        ClientStats stopped = new ClientStats();
        stopped.attempts.add(320);
        stopped.successes.add(100);
        stopped.retriesByReason.computeIfAbsent("timeout", r -> new LongAdder()).add(2);
        assertEquals(
                "320 to the model: 100 answered, 2 failed (timeout 2), 218 without an answer (given up in flight)"
                        + ", latency p50 0 ms, p99 0 ms",
                LocalSummary.requests(stopped));
        ClientStats nothingBack = new ClientStats();
        nothingBack.attempts.add(258);
        assertEquals(
                "258 to the model: 0 answered, none failed, 258 without an answer (given up in flight)",
                LocalSummary.requests(nothingBack));
    }

    /** Token counts asked of the server (tokenizer.mode: server) are said apart: the model calls' figure stays theirs. */
    @Test
    void theRequestsLineSaysTheTokenCountsApart() {
        ClientStats counted = new ClientStats();
        counted.attempts.add(24);
        counted.successes.add(24);
        counted.counts.attempts.add(13);
        assertEquals(
                "24 to the model: 24 answered, none failed, latency p50 0 ms, p99 0 ms (+13 token counts)",
                LocalSummary.requests(counted));

        counted.counts
                .retriesByReason
                .computeIfAbsent("http_503", r -> new LongAdder())
                .add(2);
        assertEquals(
                "24 to the model: 24 answered, none failed, latency p50 0 ms, p99 0 ms (+13 token counts, 2 failed (http_503 2))",
                LocalSummary.requests(counted));
    }
}
