package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.CliRun;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.testing.Corpus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code local} run stopped with Ctrl-C once one shard was committed and the others had checkpoint parts, then run
 * again with another {@code spec.output.keepOriginal} or {@code compression}: refused as a changed recipe is, naming
 * the field at its line with the old and the new value; accepted ({@code --accept-recipe-change}), the committed shard
 * stays as it was and the parts made the other way are not resumed, so no shard is committed two ways (records with
 * and without {@code source}, zstd frames in a {@code .gz} file).
 */
class OutputSettingsChangeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path QUICKSTART = Path.of("../examples/quickstart");
    private static final int LARGE = 600;
    private static final int CHECKPOINT_EVERY = 10;
    private static final List<String> SHARDS = List.of("shard-00000", "shard-00001", "shard-00002");

    @TempDir
    Path dir;

    @Test
    void keepOriginalChangedAfterAStopIsRefusedAndOnceAcceptedNoShardIsMixed() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(slowEnough(), "127.0.0.1", 0)) {
            List<String> committed = stopAfterTheFirstCommit(sim);
            Map<String, byte[]> receipts = new HashMap<>();
            for (String shard : committed) {
                receipts.put(shard, Files.readAllBytes(out().resolve("_palimpsest/receipts/" + shard + ".json")));
            }
            edit("    compression: zstd\n", "    compression: zstd\n    keepOriginal: true\n");

            CliRun refused = local(sim);
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err()
                            .contains(dir.resolve("job.yaml") + ":" + lineOf("keepOriginal: true")
                                    + ": spec.output.keepOriginal: output drift: "),
                    refused.err());
            assertTrue(
                    refused.err().contains(" was made with spec.output.keepOriginal false, this job's is true"),
                    refused.err());
            assertTrue(
                    refused.err()
                            .contains("pass --accept-recipe-change to add shards made this way beside the "
                                    + committed.size() + " committed one(s), which stay as they are"),
                    refused.err());
            assertTrue(partsOfUncommittedShards() > 0, "the stopped shards' parts are still there");

            CliRun accepted = local(sim, "--accept-recipe-change");
            assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
            for (String shard : committed) {
                assertEquals(
                        new String(receipts.get(shard), StandardCharsets.UTF_8),
                        Files.readString(out().resolve("_palimpsest/receipts/" + shard + ".json")),
                        "the committed shard stays as it is");
            }
            for (String variant : List.of("wiki", "qa")) {
                for (String shard : committed) {
                    List<JsonNode> before = records(out().resolve(variant + "/" + shard + ".jsonl.zst"));
                    assertFalse(before.isEmpty());
                    assertTrue(before.stream().noneMatch(r -> r.has("source")), variant + ": committed without source");
                }
                for (String shard : notIn(committed)) {
                    List<JsonNode> after = records(out().resolve(variant + "/" + shard + ".jsonl.zst"));
                    assertFalse(after.isEmpty(), variant + "/" + shard);
                    assertTrue(
                            after.stream().allMatch(r -> r.has("source")),
                            variant + "/" + shard + ": every record holds its source, none resumed from a part"
                                    + " made without: "
                                    + after.stream()
                                            .filter(r -> !r.has("source"))
                                            .count() + " without");
                }
            }
            assertEquals(ExitCodes.DONE, local(sim).exit(), "once accepted, the setting runs without the flag");
        }
    }

    @Test
    void compressionChangedAfterAStopIsRefusedAndOnceAcceptedEveryNewShardIsOfTheNewOne() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(slowEnough(), "127.0.0.1", 0)) {
            List<String> committed = stopAfterTheFirstCommit(sim);
            edit("    compression: zstd\n", "    compression: gzip\n");

            CliRun refused = local(sim);
            assertEquals(ExitCodes.INVALID_JOB, refused.exit(), refused.err());
            assertTrue(
                    refused.err()
                            .contains(dir.resolve("job.yaml") + ":" + lineOf("compression: gzip")
                                    + ": spec.output.compression: output drift: "),
                    refused.err());
            assertTrue(
                    refused.err().contains(" was made with spec.output.compression zstd, this job's is gzip"),
                    refused.err());

            CliRun accepted = local(sim, "--accept-recipe-change");
            assertEquals(ExitCodes.DONE, accepted.exit(), accepted.err());
            for (String variant : List.of("wiki", "qa")) {
                for (String shard : committed) {
                    assertFalse(records(out().resolve(variant + "/" + shard + ".jsonl.zst"))
                            .isEmpty());
                    assertFalse(Files.exists(out().resolve(variant + "/" + shard + ".jsonl.gz")));
                }
                for (String shard : notIn(committed)) {
                    Path file = out().resolve(variant + "/" + shard + ".jsonl.gz");
                    // a part of zstd frames resumed into it would not read as gzip
                    assertFalse(records(file).isEmpty(), variant + "/" + shard);
                    assertFalse(Files.exists(out().resolve(variant + "/" + shard + ".jsonl.zst")));
                }
            }
        }
    }

    /**
     * A run stopped with SIGINT once a shard was committed and another had checkpoint parts; returns the shards (as
     * {@code shard-0000N}) committed before the stop.
     */
    private List<String> stopAfterTheFirstCommit(ModelSimServer sim) throws Exception {
        Files.copy(QUICKSTART.resolve("job.yaml"), dir.resolve("job.yaml"));
        Files.copy(QUICKSTART.resolve("model.yaml"), dir.resolve("model.yaml"));
        Corpus.writeJsonl(dir.resolve("data/part-000.jsonl"), "small", 20);
        Corpus.writeJsonl(dir.resolve("data/part-001.jsonl"), "a", LARGE);
        Corpus.writeJsonl(dir.resolve("data/part-002.jsonl"), "b", LARGE);
        List<String> command = WorkerProcess.cli(
                "512m",
                "local",
                "-f",
                dir.toString(),
                "--endpoint",
                sim.baseUrl(),
                "--out",
                out().toString(),
                "--checkpoint-every",
                String.valueOf(CHECKPOINT_EVERY),
                "--stop-within",
                "PT5S");
        Process local = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("local.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while ((committed().isEmpty() || partsOfUncommittedShards() == 0)
                && System.nanoTime() < deadline
                && local.isAlive()) {
            Thread.sleep(10);
        }
        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(local.pid()))
                .inheritIO()
                .start();
        assertEquals(0, kill.waitFor(), "still running when a shard was committed and another had parts");
        assertTrue(local.waitFor(60, TimeUnit.SECONDS), "stops");
        String log = Files.readString(dir.resolve("local.log"));
        assertEquals(130, local.exitValue(), log);
        List<String> committed = committed();
        assertFalse(committed.isEmpty(), log);
        assertTrue(committed.size() < 3, log);
        assertTrue(partsOfUncommittedShards() > 0, log);
        return committed;
    }

    /** The shards with a receipt. */
    private List<String> committed() {
        List<String> shards = new ArrayList<>();
        for (String shard : SHARDS) {
            if (Files.exists(out().resolve("_palimpsest/receipts/" + shard + ".json"))) {
                shards.add(shard);
            }
        }
        return shards;
    }

    /** Part markers of the shards without a receipt (0 while a listing races a commit). */
    private long partsOfUncommittedShards() {
        long parts = 0;
        Pattern marker = Pattern.compile("part-\\d+\\.json");
        for (String shard : SHARDS) {
            Path folder = out().resolve("_palimpsest/checkpoints/" + shard);
            if (committed().contains(shard) || !Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> files = Files.list(folder)) {
                parts += files.filter(
                                p -> marker.matcher(p.getFileName().toString()).matches())
                        .count();
            } catch (IOException | UncheckedIOException changedMeanwhile) {
                return 0;
            }
        }
        return parts;
    }

    /** Answers slow enough that the large shards are part-way when shard 0 commits. */
    private static SimConfig slowEnough() {
        return SimConfig.builder()
                .modelName("qwen-small")
                .maxNumSeqs(8)
                .decodeStepBaseSeconds(0.004)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
    }

    private static List<String> notIn(List<String> committed) {
        return SHARDS.stream().filter(s -> !committed.contains(s)).toList();
    }

    private CliRun local(ModelSimServer sim, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "local",
                "-f",
                dir.toString(),
                "--endpoint",
                sim.baseUrl(),
                "--out",
                out().toString(),
                "--checkpoint-every",
                String.valueOf(CHECKPOINT_EVERY)));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private Path out() {
        return dir.resolve("out");
    }

    private void edit(String from, String to) throws Exception {
        Path job = dir.resolve("job.yaml");
        String text = Files.readString(job);
        assertTrue(text.contains(from), from);
        Files.writeString(job, text.replace(from, to));
    }

    private int lineOf(String text) throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("job.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text);
    }

    /** The records of a committed data file, decompressed as its name says. */
    private static List<JsonNode> records(Path file) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        try (InputStream in = Compression.ofFileName(file.toString()).decompress(Files.newInputStream(file));
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
        }
        return records;
    }
}
