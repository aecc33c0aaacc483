package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code file://} (or {@code pvc://}) input file rewritten between {@code plan} and its shard's {@code run} to other
 * bytes of the same size (a re-export, a fixed file copied over the old one): its size says nothing, so the version
 * the plan recorded of it (its last-modified time, and its inode) does. The shard fails as bad data naming the file
 * and both versions, before any document is sent, instead of committing documents the plan never counted or
 * deduplicated under the plan's items.
 */
class RewrittenInputFileTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path in;
    private Path out;
    private Path file;
    private Path termination;
    private ModelSimServer sim;
    private Path job;

    @BeforeEach
    void planned() throws IOException {
        in = tmp.resolve("in");
        out = tmp.resolve("out");
        file = in.resolve("a.jsonl");
        termination = tmp.resolve("termination");
        Corpus.writeJsonl(file, "alpha", 10);
        sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0);
        job = JobFiles.write(tmp.resolve("job"), in, out, sim.baseUrl(), 8);
        CliRun plan = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");
        assertEquals(0, plan.exit(), plan.err());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aFileRewrittenToTheSameSizeBetweenPlanAndRunFailsItsShardNamingItAndBothVersions() throws IOException {
        FileTime planned = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        Corpus.writeJsonl(file, "omega", 10);
        // a rewrite comes later than the plan; set so, whatever the clock's step between two writes here
        Files.setLastModifiedTime(file, FileTime.fromMillis(planned.toMillis() + 2_000));
        assertEquals(size, Files.size(file), "the same size");

        CliRun run = runShard();

        assertEquals(List.of(), committedIds(), "no document of the rewritten file committed as the planned file's");
        assertEquals(ExitCodes.BAD_DATA, run.exit(), run.err());
        String summary = Files.readString(termination);
        assertTrue(summary.contains("bad_data"), summary);
        String where = new FileStorage(in).describe("a.jsonl");
        assertTrue(
                summary.contains("input file " + where + " changed since it was planned: the plan read it with mtime "
                        + planned.toInstant()),
                summary);
        assertTrue(
                summary.contains(
                        "it now has mtime " + Files.getLastModifiedTime(file).toInstant()),
                summary);
        assertTrue(summary.contains("(its size, " + size + " bytes, says nothing of it)"), summary);
        assertEquals(0, sim.requestLog().completions().size(), "no document was sent to the model");
    }

    /**
     * A file replaced by one renamed over it, of the same size and with the planned file's time (as {@code rsync -t}
     * or {@code cp -p} of a re-export made in the same second can leave it): the inode tells it.
     */
    @Test
    void aFileReplacedByRenameKeepingSizeAndTimeIsToldByItsInode() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("unix"), "inodes on this system");
        FileTime planned = Files.getLastModifiedTime(file);
        Path replacement = in.resolve(".a.jsonl.partial");
        Corpus.writeJsonl(replacement, "omega", 10);
        Files.setLastModifiedTime(replacement, planned);
        Object inodeBefore = Files.getAttribute(file, "unix:ino");
        Files.move(replacement, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertNotEquals(inodeBefore, Files.getAttribute(file, "unix:ino"), "another inode");
        assertEquals(planned, Files.getLastModifiedTime(file), "the planned time");

        CliRun run = runShard();

        assertEquals(List.of(), committedIds(), "nothing committed");
        assertEquals(ExitCodes.BAD_DATA, run.exit(), run.err());
        String summary = Files.readString(termination);
        assertTrue(summary.contains("inode " + inodeBefore + ", it now has mtime"), summary);
    }

    /**
     * A file whose time alone was set (the same bytes, a sync tool's or a {@code touch}): nothing short of reading
     * the file against a record of its bytes tells it from a rewrite in place, which the plan has none of, so the
     * shard fails as for a rewrite (a wrong commit is worse than a failed shard). Its time set back to the one the
     * message names, the shard runs and commits the planned documents.
     */
    @Test
    void aFileOnlyTouchedFailsItsShardUntilItsTimeIsSetBack() throws IOException {
        FileTime planned = Files.getLastModifiedTime(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.setLastModifiedTime(file, FileTime.fromMillis(planned.toMillis() + 60_000));

        CliRun touched = runShard();

        assertEquals(ExitCodes.BAD_DATA, touched.exit(), touched.err());
        assertEquals(List.of(), committedIds());
        String summary = Files.readString(termination);
        assertTrue(summary.contains("the plan read it with mtime " + planned.toInstant()), summary);

        // set back as RELIABILITY.md says (touch -d <the time the message names>): the words name the exact time
        Matcher named = Pattern.compile("the plan read it with mtime (\\S+)").matcher(summary);
        assertTrue(named.find(), summary);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse(named.group(1))));
        assertArrayEquals(bytes, Files.readAllBytes(file));

        CliRun again = runShard();

        assertEquals(ExitCodes.DONE, again.exit(), again.err());
        assertEquals(10, committedIds().size());
        assertTrue(
                committedIds().stream().allMatch(id -> id.startsWith("alpha-")),
                committedIds().toString());
    }

    /** The file as planned: the versions the plan recorded are the file's, and the shard runs. */
    @Test
    void aFileAsPlannedRuns() throws IOException {
        String manifest = Files.readString(out.resolve(ShardManifest.KEY));
        assertTrue(manifest.contains("\"version\":\"mtime "), manifest);

        CliRun run = runShard();

        assertEquals(ExitCodes.DONE, run.exit(), run.err());
        assertEquals(10, committedIds().size());
    }

    /**
     * A plan an earlier version stored over the same input records no versions of its files: it is the same plan,
     * kept as it is (byte for byte), not a changed input, and its shards run comparing sizes as they did.
     */
    @Test
    void aPlanOfAnEarlierVersionWithoutVersionsIsKeptAsItIsAndRuns() throws IOException {
        Path manifestFile = out.resolve(ShardManifest.KEY);
        StringBuilder earlier = new StringBuilder();
        for (String line : Files.readString(manifestFile).split("\n")) {
            ObjectNode shard = (ObjectNode) json.readTree(line);
            shard.get("files").forEach(f -> ((ObjectNode) f).remove("version"));
            earlier.append(json.writeValueAsString(shard)).append('\n');
        }
        assertFalse(earlier.toString().contains("version"), earlier.toString());
        Files.writeString(manifestFile, earlier.toString(), StandardCharsets.UTF_8);

        CliRun again = CliRun.of("plan", "-f", job.toString(), "--termination-log", "");

        assertEquals(0, again.exit(), again.err());
        assertEquals(earlier.toString(), Files.readString(manifestFile), "kept as it is");
        CliRun run = runShard();
        assertEquals(ExitCodes.DONE, run.exit(), run.err());
        assertEquals(10, committedIds().size());
    }

    private CliRun runShard() {
        return CliRun.of("run", "-f", job.toString(), "--shard", "0", "--termination-log", termination.toString());
    }

    private List<String> committedIds() throws IOException {
        FileStorage output = new FileStorage(out);
        if (!output.exists("_palimpsest/receipts/shard-00000.json")) {
            return List.of();
        }
        return Outputs.ids(output, "plain/shard-00000.jsonl.zst");
    }
}
