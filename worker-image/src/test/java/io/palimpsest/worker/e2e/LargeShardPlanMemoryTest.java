package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.JobFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One shard of many documents, planned and previewed in a small heap: the duplicate-id pass holds no set of the
 * shard's ids (they go to the spilling sort with every other shard's), so a shard's document count
 * does not bound the heap the planner needs. 300,000 ids of 64 characters are about 45 MB as a set
 * of strings, more than this 64 MB heap leaves beside the CLI's own (its tokenizer alone holds about 30 MB).
 */
class LargeShardPlanMemoryTest {

    private static final int DOCUMENTS = 300_000;

    @TempDir
    Path tmp;

    private static final String REPEATED = "https://example.com/a/fairly/long/path/to/the/document/00000000";

    /** One file of {@link #DOCUMENTS} documents and the first one's id once more at the end; returns the job. */
    private Path oneLargeShard() throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        try (BufferedWriter file = Files.newBufferedWriter(in.resolve("big.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < DOCUMENTS; i++) {
                file.write(String.format(
                        "{\"id\":\"https://example.com/a/fairly/long/path/to/the/document/%08d\",\"text\":\"t\"}%n",
                        i));
            }
            file.write("{\"id\":\"" + REPEATED + "\",\"text\":\"t\"}\n");
        }
        return JobFiles.write(tmp.resolve("job"), in, tmp.resolve("out"), "http://127.0.0.1:9", 8);
    }

    /** The CLI in a JVM of {@code heap}; returns its exit code, its output in {@code log}. */
    private int cli(String heap, Path log, String... args) throws Exception {
        List<String> command = WorkerProcess.cli(heap, args);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the CLI did not end");
        return process.exitValue();
    }

    @Test
    void aShardOfManyDocumentsIsPlannedInABoundedHeap() throws Exception {
        Path job = oneLargeShard();
        Path log = tmp.resolve("plan.log");

        int exit = cli("64m", log, "plan", "-f", job.toString());

        String output = Files.readString(log);
        assertEquals(0, exit, output);
        assertTrue(output.contains("300,001 ids among 300,001 documents read from 1 shard"), output);
        FileStorage stored = new FileStorage(tmp.resolve("out"));
        assertEquals(
                List.of(new DuplicateIdIndex.Repeat(DOCUMENTS, REPEATED, 0)),
                new DuplicateIdIndex(new ObjectMapper())
                        .listed(stored, stored.readAll("_palimpsest/manifest.jsonl"), 0));
    }

    /** A preview reads its shards whole (its census counts every item) with the same bounded duplicate rule. */
    @Test
    void aShardOfManyDocumentsIsPreviewedInABoundedHeap() throws Exception {
        Path job = oneLargeShard();
        Path log = tmp.resolve("preview.log");

        // the preview's simulator and calibration take more of the heap than planning does
        int exit = cli(
                "96m",
                log,
                "preview",
                "-f",
                job.toString(),
                "--simulate",
                "--sample",
                "5",
                "--calibration-seconds",
                "1",
                "--out",
                tmp.resolve("preview").toString());

        String output = Files.readString(log);
        assertEquals(0, exit, output);
        assertTrue(output.contains("rejected: duplicate_id=1}"), output);
        assertTrue(Files.exists(tmp.resolve("preview/preview.json")), output);
    }
}
