package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.JobFiles;
import io.palimpsest.worker.testing.Outputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that names {@code input.idField} through the real CLI: a document without the field never gets
 * its position as its id. A file none of whose records holds it fails the plan (whichever file of the
 * plan it is); a stray record without it is a counted {@code missing_id} reject naming its file and line.
 */
class MissingIdFieldTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aFileWithTheNamedIdFieldInNoRecordFailsThePlanNamingItWhicheverFileItIs() throws IOException {
        for (boolean withoutFirst : new boolean[] {false, true}) {
            Path in = tmp.resolve("in-" + withoutFirst);
            Path out = tmp.resolve("out-" + withoutFirst);
            Files.createDirectories(in);
            Files.writeString(in.resolve(withoutFirst ? "b.jsonl" : "a.jsonl"), records("doc", 5));
            Files.writeString(in.resolve(withoutFirst ? "a.jsonl" : "b.jsonl"), records(null, 4));
            String without = withoutFirst ? "a.jsonl" : "b.jsonl";
            String with = withoutFirst ? "b.jsonl" : "a.jsonl";
            Path job = namingDoc(JobFiles.write(tmp.resolve("job-" + withoutFirst), in, out, "http://127.0.0.1:9", 8));

            CliRun plan = CliRun.of("plan", "-f", job.toString());

            assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
            // the first file is the sampled one, refused before the corpus is read; a later one by the pass
            String refusal = withoutFirst
                    ? "spec.input.idField 'doc' is in none of the 4 records of " + new FileStorage(in).describe(without)
                            + " (their fields: id, text): each of its documents would be rejected as missing_id"
                    : "spec.input.idField 'doc' is in no record of 1 input file(s): "
                            + new FileStorage(in).describe(without) + " (4 records without it; other files"
                            + " hold it, e.g. " + new FileStorage(in).describe(with) + ")";
            assertTrue(plan.err().contains(refusal), plan.err());
            assertFalse(plan.err().contains("misspelt"), plan.err());
            assertFalse(
                    Files.exists(out.resolve(DuplicateIdIndex.INDEX_KEY)),
                    "no index, so no worker runs the plan: " + plan.err());
        }
    }

    /**
     * A misspelt idField in a file that also has a malformed line: the refusal names the idField and the fields the
     * records have, not the malformed line, which is not why no record is a document.
     */
    @Test
    void aFileWithTheNamedIdFieldInNoRecordAndABadLineIsRefusedForTheIdFieldNotTheBadLine() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Files.createDirectories(in);
        Files.writeString(in.resolve("a.jsonl"), "{\"id\": \"x-bad\", \"text\": \"cut short\n" + records(null, 6));
        Path job = namingDoc(JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8));

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.INVALID_JOB, local.exit(), local.err());
        assertTrue(
                local.err()
                        .contains("spec.input.idField 'doc' is in none of the 7 lines of "
                                + new FileStorage(in).describe("a.jsonl")
                                + " (their fields: text, id; 6 missing_id, 1 malformed_json): each of its documents"
                                + " would be rejected as missing_id"),
                local.err());
        assertFalse(local.err().contains("Unexpected end-of-input"), local.err());
        assertFalse(Files.exists(out.resolve("_palimpsest/receipts")), local.err());
    }

    @Test
    void aRecordWithoutTheNamedIdFieldIsACountedRejectNotAPositionId() throws IOException {
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        Files.createDirectories(in);
        Files.writeString(
                in.resolve("a.jsonl"),
                records("doc", 6) + "{\"id\":\"a-6\",\"text\":\"A record whose doc field is missing.\"}\n"
                        + "{\"id\":\"a-7\",\"doc\":null,\"text\":\"A record whose doc field is null.\"}\n");
        Path job = namingDoc(JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8));

        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");

        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        String where = new FileStorage(in).describe("a.jsonl");
        assertTrue(
                local.err()
                        .contains("2 record(s) in 1 file(s) have no spec.input.idField 'doc' (first at " + where
                                + ":7, " + where + ":8)"),
                local.err());
        FileStorage output = new FileStorage(out);
        List<String> written = Outputs.ids(output, "plain/shard-00000.jsonl.zst");
        assertEquals(
                List.of("d-0", "d-1", "d-2", "d-3", "d-4", "d-5"),
                written.stream().sorted().toList());
        List<JsonNode> rejects = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(2, rejects.size(), rejects.toString());
        assertEquals("missing_id", rejects.get(0).path("reason").asText());
        assertEquals("a.jsonl", rejects.get(0).path("file").asText());
        assertEquals(7, rejects.get(0).path("line").asInt());
        assertEquals("field 'doc' is missing", rejects.get(0).path("detail").asText());
        assertEquals(8, rejects.get(1).path("line").asInt());
        assertEquals("field 'doc' is null", rejects.get(1).path("detail").asText());
        JsonNode counts = json.readTree(output.readAll("_palimpsest/receipts/shard-00000.json"))
                .path("counts");
        assertEquals(8, counts.path("read").asLong(), counts.toString());
        assertEquals(6, counts.path("written").asLong(), counts.toString());
        assertEquals(2, counts.path("rejected").asLong(), counts.toString());
        assertEquals(0, counts.path("skipped").asLong(), counts.toString());
    }

    /** {@code n} records with a unique {@code id}, and a {@code doc} id under {@code idField} when it is not null. */
    private static String records(String idField, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append("{\"id\":\"x-").append(i).append("\",");
            if (idField != null) {
                out.append("\"").append(idField).append("\":\"d-").append(i).append("\",");
            }
            out.append("\"text\":\"Record number ").append(i).append(" of the corpus.\"}\n");
        }
        return out.toString();
    }

    private static Path namingDoc(Path job) throws IOException {
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    idField: doc\n"));
        return job;
    }
}
