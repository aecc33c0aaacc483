package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.PlannedInput;
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

    /**
     * {@code idField: id} written in the manifest is named as any other field is, though it is the field read
     * when idField is left out: a record without it is a missing_id reject, a file without it in any record is
     * refused at planning. Left out, the same records are given their positions.
     */
    @Test
    void anIdFieldWrittenAsIdIsNamedAsAnyOtherAndLeftOutGivesPositions() throws IOException {
        String withoutIds = "{\"text\":\"A record without an id.\"}\n{\"text\":\"Another record without one.\"}\n";

        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.writeString(in.resolve("a.jsonl"), records(null, 6) + withoutIds);
        Path out = tmp.resolve("out");
        Path job = namingId(JobFiles.write(tmp.resolve("job"), in, out, "http://127.0.0.1:9", 8));
        CliRun local = CliRun.of("local", "-f", job.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        String where = new FileStorage(in).describe("a.jsonl");
        assertTrue(
                local.err()
                        .contains("2 record(s) in 1 file(s) have no spec.input.idField 'id' (first at " + where + ":7, "
                                + where + ":8)"),
                local.err());
        FileStorage output = new FileStorage(out);
        List<JsonNode> rejects = Outputs.read(output, "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(2, rejects.size(), rejects.toString());
        assertEquals("missing_id", rejects.get(0).path("reason").asText());
        assertEquals("field 'id' is missing", rejects.get(0).path("detail").asText());
        assertTrue(
                json.readTree(output.readAll(PlannedInput.KEY))
                        .path("idFieldNamed")
                        .asBoolean(false),
                "the plan records that it named the field");

        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.writeString(bare.resolve("a.jsonl"), withoutIds);
        Path refused = namingId(
                JobFiles.write(tmp.resolve("job-bare"), bare, tmp.resolve("out-bare"), "http://127.0.0.1:9", 8));
        CliRun plan = CliRun.of("plan", "-f", refused.toString());
        assertEquals(ExitCodes.INVALID_JOB, plan.exit(), plan.err());
        assertTrue(plan.err().contains("spec.input.idField 'id' is in none of the 2 records of"), plan.err());

        // left out: the records without an id are given their positions, none is rejected
        Path positions = tmp.resolve("out-positions");
        Path leftOut = JobFiles.write(tmp.resolve("job-positions"), in, positions, "http://127.0.0.1:9", 8);
        assertFalse(Files.readString(leftOut).contains("idField"), Files.readString(leftOut));
        CliRun unnamed = CliRun.of("local", "-f", leftOut.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, unnamed.exit(), unnamed.err());
        List<String> written = Outputs.ids(new FileStorage(positions), "plain/shard-00000.jsonl.zst");
        assertEquals(8, written.size(), written.toString());
        assertTrue(written.contains("a.jsonl:7"), written.toString());
    }

    /**
     * A campaign planned before the plan recorded whether it named its id field (input.json without
     * {@code idFieldNamed}, idField 'id' as the API server's old default wrote it) keeps the meaning it was
     * planned with, position ids, when its job now reads {@code idField: id}: the shards run after the
     * upgrade give records without an id their positions as the earlier ones did, no missing_id reject and
     * no drift refusal; planning it again keeps the plan. {@code run} and {@code local} alike.
     */
    @Test
    void aCampaignPlannedBeforeTheChoiceWasRecordedKeepsPositionIdsUnderAJobWritingIdFieldId() throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.writeString(in.resolve("a.jsonl"), records(null, 3));
        // a file without any id, and one where some records lack it
        Files.writeString(
                in.resolve("b.jsonl"),
                "{\"text\":\"A record without an id.\"}\n{\"text\":\"Another record without one.\"}\n");
        Files.writeString(
                in.resolve("c.jsonl"), "{\"id\":\"c-1\",\"text\":\"With an id.\"}\n{\"text\":\"Without.\"}\n");

        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("sim").zeroLatency().build(), "127.0.0.1", 0)) {
            Path out = tmp.resolve("out");
            Path before = JobFiles.write(tmp.resolve("job-before"), in, out, sim.baseUrl(), 8);
            assertEquals(
                    0,
                    CliRun.of("plan", "-f", before.toString(), "--termination-log", "")
                            .exit());
            asPlannedBeforeTheChoiceWasRecorded(out);
            CliRun first = CliRun.of("run", "-f", before.toString(), "--shard", "0", "--termination-log", "");
            assertEquals(ExitCodes.DONE, first.exit(), first.err());

            // the job as the API server stored it under the old CRD: idField: id filled in
            Path after = namingId(JobFiles.write(tmp.resolve("job-after"), in, out, sim.baseUrl(), 8));
            CliRun plan = CliRun.of("plan", "-f", after.toString(), "--termination-log", "");
            assertEquals(0, plan.exit(), plan.err());
            assertFalse(plan.err().contains("drift"), plan.err());
            for (int shard = 1; shard < 3; shard++) {
                CliRun run = CliRun.of(
                        "run", "-f", after.toString(), "--shard", String.valueOf(shard), "--termination-log", "");
                assertEquals(ExitCodes.DONE, run.exit(), run.err());
            }
            assertPositionIds(new FileStorage(out));
            assertFalse(
                    json.readTree(Files.readAllBytes(out.resolve(PlannedInput.KEY)))
                            .has("idFieldNamed"),
                    "the kept plan's record is kept as it was");
        }

        Path out = tmp.resolve("out-local");
        Path before = JobFiles.write(tmp.resolve("job-local-before"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(0, CliRun.of("plan", "-f", before.toString()).exit());
        asPlannedBeforeTheChoiceWasRecorded(out);
        Path after = namingId(JobFiles.write(tmp.resolve("job-local-after"), in, out, "http://127.0.0.1:9", 8));
        CliRun local = CliRun.of("local", "-f", after.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        assertPositionIds(new FileStorage(out));
    }

    /**
     * The plan's record decides once work under it exists; before that a job that now names (or leaves out) the
     * id field is planned and indexed again its own way, with a note, and the record says so.
     */
    @Test
    void aRecordedChoiceIsKeptOnceWorkStartedAndTakenAgainBefore() throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.writeString(in.resolve("a.jsonl"), records(null, 3) + "{\"text\":\"A record without an id.\"}\n");
        Path out = tmp.resolve("out");
        Path leftOut = JobFiles.write(tmp.resolve("job-left-out"), in, out, "http://127.0.0.1:9", 8);
        assertEquals(0, CliRun.of("plan", "-f", leftOut.toString()).exit());
        Path named = namingId(JobFiles.write(tmp.resolve("job-named"), in, out, "http://127.0.0.1:9", 8));

        CliRun plan = CliRun.of("plan", "-f", named.toString());

        assertEquals(0, plan.exit(), plan.err());
        assertTrue(
                plan.err().contains("nothing was committed yet, so the input is planned and indexed again"),
                plan.err());
        assertTrue(plan.err().contains("1 record(s) in 1 file(s) have no spec.input.idField 'id'"), plan.err());
        assertTrue(json.readTree(Files.readAllBytes(out.resolve(PlannedInput.KEY)))
                .path("idFieldNamed")
                .asBoolean(false));
        CliRun local = CliRun.of("local", "-f", named.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, local.exit(), local.err());
        List<JsonNode> rejects = Outputs.read(new FileStorage(out), "_palimpsest/rejects/shard-00000.jsonl.zst");
        assertEquals(
                List.of("missing_id"),
                rejects.stream().map(r -> r.path("reason").asText()).toList());

        // once shards are committed, the job leaving the field out reads it as the plan did
        CliRun again = CliRun.of("local", "-f", leftOut.toString(), "--simulate");
        assertEquals(ExitCodes.DONE, again.exit(), again.err());
        assertFalse(again.err().contains("drift"), again.err());
        assertTrue(json.readTree(Files.readAllBytes(out.resolve(PlannedInput.KEY)))
                .path("idFieldNamed")
                .asBoolean(false));
    }

    private void assertPositionIds(FileStorage output) throws IOException {
        List<String> b = Outputs.ids(output, "plain/shard-00001.jsonl.zst");
        assertEquals(List.of("b.jsonl:1", "b.jsonl:2"), b.stream().sorted().toList());
        List<String> c = Outputs.ids(output, "plain/shard-00002.jsonl.zst");
        assertEquals(List.of("c-1", "c.jsonl:2"), c.stream().sorted().toList());
        for (int shard = 0; shard < 3; shard++) {
            String rejects = "_palimpsest/rejects/shard-0000" + shard + ".jsonl.zst";
            if (output.exists(rejects)) {
                assertEquals(List.of(), Outputs.read(output, rejects));
            }
        }
    }

    /** input.json as a plan made before the choice was recorded wrote it: no idFieldNamed, idField 'id'. */
    private void asPlannedBeforeTheChoiceWasRecorded(Path out) throws IOException {
        Path record = out.resolve(PlannedInput.KEY);
        ObjectNode planned = (ObjectNode) json.readTree(Files.readAllBytes(record));
        assertFalse(planned.path("idFieldNamed").asBoolean(true), planned.toString());
        assertEquals("id", planned.path("idField").asText(), planned.toString());
        planned.remove("idFieldNamed");
        Files.write(record, json.writeValueAsBytes(planned));
    }

    private static Path namingId(Path job) throws IOException {
        Files.writeString(job, Files.readString(job).replace("  input:\n", "  input:\n    idField: id\n"));
        return job;
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
