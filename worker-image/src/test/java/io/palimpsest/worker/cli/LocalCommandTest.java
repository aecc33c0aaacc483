package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.storage.FileStorage;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the quickstart manifests, run locally against the built-in simulator. */
class LocalCommandTest {

    /** The help names the default a run takes, not a job field that does not exist (lint refuses spec.checkpointEvery). */
    @Test
    void theCheckpointEveryHelpNamesNoJobField() {
        String usage = new picocli.CommandLine(new LocalCommand()).getUsageMessage();
        assertTrue(usage.contains("Default: 500."), usage);
        assertFalse(usage.contains("the job's, or 500"), usage);
    }

    private static final Path QUICKSTART = Path.of("../examples/quickstart");

    /**
     * A refusal that has nothing to do with the model (here the input folder is missing, then the output holds
     * files of its own) comes without a line about the model: that is printed once the job is planned.
     */
    @Test
    void refusalsThatNeedNoModelComeWithoutAModelLine() throws Exception {
        Path job = out.resolve("job");
        Files.createDirectories(job);
        Files.copy(QUICKSTART.resolve("job.yaml"), job.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), job.resolve("model.yaml"));
        CliRun missing = CliRun.of(
                "local",
                "-f",
                job.toString(),
                "--simulate",
                "--out",
                out.resolve("o1").toString());
        assertTrue(missing.exit() != 0, missing.text());
        assertFalse(missing.err().contains("model:"), missing.err());

        Path foreign = out.resolve("o2");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "someone else's");
        CliRun taken = CliRun.of("local", "-f", QUICKSTART.toString(), "--simulate", "--out", foreign.toString());
        assertTrue(taken.exit() != 0, taken.text());
        assertFalse(taken.err().contains("model:"), taken.err());

        CliRun ran = CliRun.of(
                "local",
                "-f",
                QUICKSTART.toString(),
                "--simulate",
                "--out",
                out.resolve("o3").toString());
        assertEquals(0, ran.exit(), ran.text());
        assertTrue(
                ran.err()
                        .matches("(?s).*\nplanned [^\n]*\nmodel: built-in simulator at http://127\\.0\\.0\\.1:\\d+ .*"),
                ran.err());
    }

    @TempDir
    Path out;

    @Test
    void theQuickstartRunsAndASecondRunDoesNoWork() throws Exception {
        assertTrue(Files.isDirectory(QUICKSTART), "run from the worker-image module: " + QUICKSTART.toAbsolutePath());
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString()));

        FileStorage output = new FileStorage(out);
        long shards =
                new String(output.readAll("_palimpsest/manifest.jsonl")).lines().count();
        assertTrue(shards >= 1);
        ObjectMapper json = new ObjectMapper();
        long read = 0;
        for (int shard = 0; shard < shards; shard++) {
            String name = String.format("shard-%05d", shard);
            JsonNode receipt = json.readTree(output.readAll("_palimpsest/receipts/" + name + ".json"));
            JsonNode counts = receipt.path("counts");
            assertEquals(
                    counts.path("read").asLong(),
                    counts.path("written").asLong()
                            + counts.path("rejected").asLong()
                            + counts.path("skipped").asLong());
            read += counts.path("read").asLong();
            for (String variant : new String[] {"wiki", "qa"}) {
                assertTrue(output.exists(variant + "/" + name + ".jsonl.zst"), variant + " output of " + name);
            }
        }
        assertTrue(read > 0);

        byte[] firstReceipt = output.readAll("_palimpsest/receipts/shard-00000.json");
        assertEquals(
                0, PalimpsestCli.execute("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString()));
        assertEquals(
                new String(firstReceipt),
                new String(output.readAll("_palimpsest/receipts/shard-00000.json")),
                "nothing redone");
    }

    /**
     * The shards of a local run share one model client: each shard's line holds only its own figures,
     * and the requests and latencies of the run are said once, in the summary.
     */
    @Test
    void eachShardLineHoldsThatShardsFiguresAndTheRequestsAreTheRuns() {
        CliRun run = CliRun.of("local", "-f", QUICKSTART.toString(), "--simulate", "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        List<String> shardLines =
                run.err().lines().filter(l -> l.startsWith("shard-0000")).toList();
        assertEquals(2, shardLines.size(), run.err());
        for (String line : shardLines) {
            assertFalse(line.contains("requests=") || line.contains("p50_ms="), line);
            assertTrue(line.contains(" read=") && line.contains(" completion_tokens="), line);
        }
        assertTrue(
                run.out()
                        .matches(
                                "(?s).*\nrequests   (\\d+) to the model: \\1 answered, none failed, latency p50 \\d+ ms, p99 \\d+ ms\n.*"),
                run.out());
    }

    @Test
    void aSummaryThatDoesNotAddUpSaysWhatIsUnfinished() {
        assertEquals("read 13, written 12, rejected 0, skipped 1", LocalSummary.documents(13, 12, 0, 1));
        assertEquals(
                "read 2, written 0, rejected 0, skipped 0, unfinished 2 (the run stopped before they were done)",
                LocalSummary.documents(2, 0, 0, 0));
    }

    /** Whatever the cluster refuses as spec.endpoint.url, --endpoint refuses in the same words, never repeating a secret. */
    @Test
    void anEndpointWithUserInfoQueryOrFragmentIsRefusedAsTheClusterRefusesEndpointUrl() throws Exception {
        String[][] cases = {
            {"https://me:pw-secret@gateway.example", "endpoint.url must not carry credentials; use apiKeySecretRef"},
            {"https://gateway.example/openai?api-key=sk-secret", "endpoint.url must not carry a query or fragment"},
            {"https://gateway.example/v1#sk-secret", "endpoint.url must not carry a query or fragment"},
        };
        for (String[] c : cases) {
            CliRun run = CliRun.of("local", "-f", QUICKSTART.toString(), "--endpoint", c[0], "--out", out.toString());
            assertEquals(78, run.exit(), c[0] + ": " + run.err());
            assertTrue(run.err().contains("--endpoint https://gateway.example"), run.err());
            assertTrue(run.err().contains(c[1]), run.err());
            assertFalse(run.err().contains("secret") || run.out().contains("secret"), "never shown: " + run.err());
            assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned or written");
        }
    }

    /** An endpoint that is not a base URL: the error shows what was given and says in words what is expected. */
    @Test
    void aMalformedEndpointIsShownAsGivenWithTheExpectedFormInWords() {
        CliRun run = CliRun.of("local", "-f", QUICKSTART.toString(), "--endpoint", "htp:/bad", "--out", out.toString());
        assertEquals(78, run.exit(), run.err());
        assertTrue(
                run.err()
                        .contains("palimpsest local: --endpoint htp:/bad: endpoint.url should be a base URL: http:// or"
                                + " https://, then a host (with :port if needed), then an optional path, with no spaces,"
                                + " e.g. http://vllm.inference:8000"),
                run.err());
        assertFalse(run.err().contains("[^"), "no regex: " + run.err());
        assertFalse(run.err().contains("not shown"), "nothing was left out: " + run.err());
        assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned or written");
    }

    /**
     * An OpenAI-style base URL (ending in /v1) where the server answers only at its root: every request would
     * go to .../v1/v1/chat/completions and be refused (404). Refused before anything is planned, naming the
     * base URL to give instead.
     */
    @Test
    void anEndpointEndingInV1IsRefusedBeforeAnythingIsWritten() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("qwen-small").zeroLatency().build(), "127.0.0.1", 0)) {
            String base = sim.baseUrl().replaceAll("/+$", "");
            CliRun run = CliRun.of(
                    "local", "-f", QUICKSTART.toString(), "--endpoint", base + "/v1/", "--out", out.toString());
            assertEquals(78, run.exit(), run.out() + run.err());
            assertTrue(
                    run.err()
                            .contains("ends in /v1 and " + base + "/v1/health is not found: requests would go to "
                                    + base + "/v1/v1/chat/completions; give the base URL without /v1 (" + base + ")"),
                    run.err());
            assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned or written");
            assertEquals(0, sim.requestLog().totalReceived(), "no request sent");
        }
    }

    @Test
    void anEndpointWhereNothingListensStopsBeforeTheFirstDocument() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        long start = System.nanoTime();
        int exit = PalimpsestCli.execute(
                "local",
                "-f",
                QUICKSTART.toString(),
                "--endpoint",
                "http://127.0.0.1:" + closedPort,
                "--out",
                out.toString());
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(75, exit);
        assertTrue(seconds < 20, "a refused connection is final before planning: " + seconds + " s");
        assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned or written");
    }

    /**
     * A base URL ending in /v1 where nothing answers yet: unreachable (exit 75, the server may be starting), and
     * the message already says to drop /v1, which would otherwise be refused only once the server is up.
     */
    @Test
    void anEndpointEndingInV1WhereNothingListensSaysToDropV1() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String base = "http://127.0.0.1:" + closedPort;
        CliRun run =
                CliRun.of("local", "-f", QUICKSTART.toString(), "--endpoint", base + "/v1", "--out", out.toString());
        assertEquals(75, run.exit(), run.out() + run.err());
        assertTrue(
                run.err()
                        .contains(
                                "does not answer " + base + "/v1/health; start the server, pass --endpoint <base URL>,"
                                        + " or --simulate for the built-in simulator (it also ends in /v1: give the base URL"
                                        + " without it, " + base + ", or every request goes to " + base
                                        + "/v1/v1/chat/completions). Nothing was written."),
                run.err());
        assertFalse(Files.exists(out.resolve("_palimpsest")), "nothing planned or written");

        CliRun plain = CliRun.of("local", "-f", QUICKSTART.toString(), "--endpoint", base, "--out", out.toString());
        assertEquals(75, plain.exit(), plain.out() + plain.err());
        assertFalse(plain.err().contains("/v1:"), "no /v1 advice for a base URL without it: " + plain.err());
    }

    @Test
    void anEndpointInAnOutageStopsAfterMaxOutageWithNothingCommitted(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - name: down\n    match: '.'\n    on: document\n    fault: unavailable\n");
        try (ModelSimServer down = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("qwen-small")
                        .zeroLatency()
                        .rulesFile(rules)
                        .build(),
                "127.0.0.1",
                0)) {
            long start = System.nanoTime();
            CliRun run = CliRun.of(
                    "local",
                    "-f",
                    QUICKSTART.toString(),
                    "--endpoint",
                    down.baseUrl(),
                    "--max-outage",
                    "PT3S",
                    "--out",
                    out.toString());
            int exit = run.exit();
            double seconds = (System.nanoTime() - start) / 1e9;

            assertEquals(75, exit, "an unavailable model is a retry-later exit, not a finished run");
            // an item skipped before any call (the quickstart's empty text) is kept in a checkpoint part
            Matcher documents = Pattern.compile("documents  read (\\d+), written 0, rejected 0, skipped (\\d+)(.*)")
                    .matcher(run.out());
            assertTrue(documents.find(), run.out());
            long unfinished = Long.parseLong(documents.group(1)) - Long.parseLong(documents.group(2));
            assertTrue(
                    unfinished == 0
                            || documents
                                    .group(3)
                                    .equals(", unfinished " + unfinished + " (the run stopped before they were done)"),
                    "the documents read and not finished are counted: " + run.out());
            assertTrue(seconds < 60, "stopped after --max-outage, not the 2-minute default: " + seconds + " s");
        }
        FileStorage output = new FileStorage(out);
        assertTrue(output.exists("_palimpsest/manifest.jsonl"), "the run got as far as its shards");
        assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"), "no shard committed");
        assertFalse(output.exists("_palimpsest/rejects/shard-00000.jsonl.zst"), "no document rejected for the outage");
    }
}
