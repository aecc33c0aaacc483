package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCardFilesTest {

    @TempDir
    Path dir;

    private final JobPlanner planner =
            new JobPlanner(new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(new ObjectMapper()));

    /**
     * A dataset downloaded as a Hugging Face snapshot: its card and metadata beside the data. Without include they
     * would be read as JSON lines and refused for their content; the refusal names them all at once and gives an
     * include that takes the data files, which plans them and nothing else.
     */
    @Test
    void aSnapshotsCardAndMetadataAreNamedWithAnIncludeThatTakesTheData() throws Exception {
        Path in = dir.resolve("snapshot");
        Files.createDirectories(in.resolve("data"));
        Files.writeString(in.resolve("README.md"), "---\nlicense: mit\n---\n# A corpus\n");
        Files.writeString(in.resolve(".gitattributes"), "*.parquet filter=lfs\n");
        Files.writeString(in.resolve("dataset_infos.json"), "{\"default\": {\"features\": {}}}\n");
        Files.writeString(in.resolve("data/train-00000-of-00002.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\n");
        Files.writeString(in.resolve("data/train-00001-of-00002.jsonl"), "{\"id\":\"b\",\"text\":\"y\"}\n");
        InputRoot input = new InputRoot(new FileStorage(in), Optional.empty());

        InvalidJobException refused = assertThrows(
                InvalidJobException.class,
                () -> planner.cut(input, "s3://corpus/snapshot/", KeyFilter.all(), null, null));
        String message = refused.getMessage();
        assertTrue(
                message.startsWith("spec.input.uri s3://corpus/snapshot/ holds 2 files that are not corpus data:"
                        + " README.md, dataset_infos.json"),
                message);
        Matcher include = Pattern.compile("include: \\[\"([^\"]+)\"\\]").matcher(message);
        assertTrue(include.find(), message);
        assertEquals("data/*.jsonl", include.group(1), message);

        List<Shard> shards = planner.cut(
                input, "s3://corpus/snapshot/", new KeyFilter(List.of(include.group(1)), List.of()), null, null);
        assertEquals(
                List.of("data/train-00000-of-00002.jsonl", "data/train-00001-of-00002.jsonl"),
                shards.stream()
                        .flatMap(s -> s.files().stream())
                        .map(ShardFile::key)
                        .sorted()
                        .toList());
    }

    /** Data files of several kinds in several folders: the suggestion leaves out the named files instead. */
    @Test
    void dataOfSeveralKindsGetsAnExcludeThatLeavesOutTheNamedFiles() throws Exception {
        Path in = dir.resolve("mixed");
        Files.createDirectories(in.resolve("en"));
        Files.createDirectories(in.resolve("fr"));
        Files.writeString(in.resolve("README.md"), "# A corpus\n");
        Files.writeString(in.resolve("en/part-0.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\n");
        Files.writeString(in.resolve("fr/part-0.ndjson"), "{\"id\":\"b\",\"text\":\"y\"}\n");
        InputRoot input = new InputRoot(new FileStorage(in), Optional.empty());

        String message = assertThrows(
                        InvalidJobException.class,
                        () -> planner.cut(input, "s3://corpus/mixed/", KeyFilter.all(), null, null))
                .getMessage();
        assertTrue(message.contains("holds 1 file that is not corpus data: README.md"), message);
        assertTrue(message.contains("exclude: [\"README.md\"]"), message);
        assertEquals(
                2,
                planner.cut(input, "s3://corpus/mixed/", new KeyFilter(List.of(), List.of("README.md")), null, null)
                        .size());
    }
}
