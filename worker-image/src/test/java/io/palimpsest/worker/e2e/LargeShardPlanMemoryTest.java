package io.palimpsest.worker.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.cli.PalimpsestCli;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.JobFiles;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One shard of many documents, planned in a small heap: the duplicate-id pass holds no set of the
 * shard's ids (they go to the spilling sort with every other shard's), so a shard's document count
 * does not bound the heap the planner needs. 300,000 ids of 64 characters are about 45 MB as a set
 * of strings, more than this 64 MB heap leaves beside the CLI's own (its tokenizer alone holds about 30 MB).
 */
class LargeShardPlanMemoryTest {

    private static final int DOCUMENTS = 300_000;

    @TempDir
    Path tmp;

    @Test
    void aShardOfManyDocumentsIsPlannedInABoundedHeap() throws Exception {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Files.createDirectories(in);
        try (BufferedWriter file = Files.newBufferedWriter(in.resolve("big.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < DOCUMENTS; i++) {
                file.write(String.format(
                        "{\"id\":\"https://example.com/a/fairly/long/path/to/the/document/%08d\",\"text\":\"t\"}%n",
                        i));
            }
            // the first document again, at the end: the one repeat of the shard
            file.write("{\"id\":\"https://example.com/a/fairly/long/path/to/the/document/00000000\",\"text\":\"t\"}\n");
        }
        Path job = JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = tmp.resolve("plan.log");
        Process plan = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        classpath,
                        PalimpsestCli.class.getName(),
                        "plan",
                        "-f",
                        job.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(plan.waitFor(5, TimeUnit.MINUTES), "plan did not end");
        String output = Files.readString(log);

        assertEquals(0, plan.exitValue(), output);
        assertTrue(output.contains("read 300,001 documents of 1 shard"), output);
        FileStorage stored = new FileStorage(out);
        assertEquals(
                List.of(new DuplicateIdIndex.Repeat(
                        DOCUMENTS, "https://example.com/a/fairly/long/path/to/the/document/00000000", 0)),
                new DuplicateIdIndex(new com.fasterxml.jackson.databind.ObjectMapper())
                        .listed(stored, stored.readAll("_palimpsest/manifest.jsonl"), 0));
    }
}
