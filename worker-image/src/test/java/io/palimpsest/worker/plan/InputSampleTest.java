package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.FailingReads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner refuses a job none of whose sampled records is a document, naming field, file and line. */
class InputSampleTest {

    @TempDir
    Path dir;

    /** The sampled file is read to its end for a document: the refusal counts all of its records. */
    @Test
    void aTextFieldInNoneOfTheRecordsIsRefusedWithTheFieldsTheyHave() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 150);

        String message = refusal(new FieldMapping("body", "id"), "a.jsonl");

        assertEquals(
                "spec.input.textField 'body' is in none of the 150 records of " + where("a.jsonl")
                        + " (their fields: id, text, n)",
                message);
    }

    /** A misspelt field: the refusal names the near one the records have, as the template check does for meta. */
    @Test
    void aMisspeltTextFieldIsRefusedWithTheFieldItMostLikelyMeant() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\",\"body\":\"one\"}\n{\"id\":\"b\",\"body\":\"two\"}\n");

        String message = refusal(new FieldMapping("bdy", "id"), "a.jsonl");

        assertEquals(
                "spec.input.textField 'bdy' is in none of the 2 records of " + where("a.jsonl")
                        + " (their fields: id, body; did you mean textField 'body'?)",
                message);
    }

    @Test
    void aMisspeltNamedIdFieldIsRefusedWithTheFieldItMostLikelyMeant() throws IOException {
        Files.writeString(
                dir.resolve("a.jsonl"), "{\"doc_id\":\"a\",\"text\":\"one\"}\n{\"doc_id\":\"b\",\"text\":\"two\"}\n");

        String message = refusal(new FieldMapping("text", "docid"), "a.jsonl");

        assertTrue(
                message.startsWith("spec.input.idField 'docid' is in none of the 2 records of " + where("a.jsonl")
                        + " (their fields: doc_id, text; did you mean idField 'doc_id'?): "),
                message);
    }

    /** A Parquet column is a record field: the same suggestion. */
    @Test
    void aMisspeltParquetTextColumnIsRefusedWithTheColumnItMostLikelyMeant() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary content (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("c.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 3; i++) {
                writer.write(groups.newGroup().append("id", "p" + i).append("content", "text " + i));
            }
        }

        String message = refusal(new FieldMapping("contents", "id"), "c.parquet");

        assertEquals(
                "spec.input.textField 'contents' is in none of the rows of " + where("c.parquet")
                        + ": it is not one of its columns (content, id; did you mean textField 'content'?)",
                message);
    }

    /**
     * A dotted textField ({@code meta.text}, a text column inside a struct as Hugging Face exports often hold) is not a
     * path into the record: the refusal says so, naming the struct column, rather than only listing the columns.
     */
    @Test
    void aDottedTextFieldIntoAStructColumnIsRefusedSayingFieldsAreTopLevel() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message doc { required binary id (STRING);"
                + " optional group meta { optional binary text (STRING); optional binary lang (STRING); } }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("s.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 3; i++) {
                Group row = groups.newGroup().append("id", "p" + i);
                row.addGroup("meta").append("text", "text " + i).append("lang", "en");
                writer.write(row);
            }
        }

        String message = refusal(new FieldMapping("meta.text", "id"), "s.parquet");

        assertEquals(
                "spec.input.textField 'meta.text' is in none of the rows of " + where("s.parquet")
                        + ": it is not one of its columns (id, meta; textField names a top-level field (a column),"
                        + " never one inside another: 'meta.text' is no path into 'meta'; write the text to a top-level"
                        + " field first)",
                message);
    }

    /**
     * A file whose text column is null in every row (a nullable column of a Parquet export, {@code "text": null} in
     * JSON) has the field: the refusal says it is null there and names the fields, where it said the field was in none
     * of the records, with no fields named.
     */
    @Test
    void aTextColumnNullInEveryRowIsRefusedAsNullNotAsMissing() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); optional binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("n.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            writer.write(groups.newGroup().append("id", "a"));
            writer.write(groups.newGroup().append("id", "b"));
        }
        Files.writeString(dir.resolve("n.jsonl"), "{\"id\":\"a\",\"text\":null}\n{\"id\":\"b\"}\n");

        assertEquals(
                "spec.input.textField 'text' is null in every one of the 2 records of " + where("n.parquet")
                        + " (their fields: id, text)",
                refusal(FieldMapping.DEFAULT, "n.parquet"));
        assertEquals(
                "spec.input.textField 'text' is missing or null in every one of the 2 records of " + where("n.jsonl")
                        + " (their fields: id, text)",
                refusal(FieldMapping.DEFAULT, "n.jsonl"));
    }

    /** The same for a named id column null in every row: it is there, and null, not missing. */
    @Test
    void anIdColumnNullInEveryRowIsRefusedAsNullNotAsMissing() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { optional binary doc_id (STRING); required binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("i.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            writer.write(groups.newGroup().append("text", "one"));
            writer.write(groups.newGroup().append("text", "two"));
        }

        String message = refusal(new FieldMapping("text", "doc_id"), "i.parquet");

        assertTrue(
                message.startsWith("spec.input.idField 'doc_id' is null in every one of the 2 rows of "
                        + where("i.parquet") + " (their fields: doc_id, text): "),
                message);
    }

    /** No field the records have is near the one named: nothing is suggested. */
    @Test
    void aTextFieldFarFromEveryFieldTheRecordsHaveGetsNoSuggestion() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\",\"body\":\"one\"}\n");

        String message = refusal(new FieldMapping("content", "id"), "a.jsonl");

        assertFalse(message.contains("did you mean"), message);
    }

    @Test
    void aParquetTextColumnThatIsANumberIsRefused() throws IOException {
        MessageType schema =
                MessageTypeParser.parseMessageType("message doc { required binary id (STRING); required int64 text; }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("n.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 3; i++) {
                writer.write(groups.newGroup().append("id", "p" + i).append("text", (long) i));
            }
        }

        String message = refusal(FieldMapping.DEFAULT, "n.parquet");

        assertEquals(
                "spec.input.textField 'text' is not a string in any of the 3 records of " + where("n.parquet")
                        + " (row 1: field 'text' is a number, not a string)",
                message);
    }

    /**
     * A date or time is no text to rewrite, although it reads as ISO-8601 text in a document's metadata: a text
     * column of such a type is refused as one that is not a string, naming its type.
     */
    @Test
    void aParquetTextColumnOfDatesOrTimesIsRefused() throws IOException {
        String[][] cases = {
            {"int32 text (DATE)", "DATE"}, {"int64 text (TIMESTAMP(MICROS,true))", "TIMESTAMP"}, {"int96 text", "INT96"}
        };
        for (String[] c : cases) {
            MessageType schema = MessageTypeParser.parseMessageType(
                    "message doc { required binary id (STRING); required " + c[0] + "; }");
            Path file = dir.resolve("d.parquet");
            Files.deleteIfExists(file);
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                    .withType(schema)
                    .build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(schema);
                for (int i = 0; i < 3; i++) {
                    Group row = groups.newGroup().append("id", "p" + i);
                    switch (c[1]) {
                        case "DATE" -> row.append("text", 19_782 + i);
                        case "TIMESTAMP" -> row.append("text", 1_704_164_645_000_000L + i);
                        default -> row.append("text", Binary.fromConstantByteArray(new byte[12]));
                    }
                    writer.write(row);
                }
            }

            String message = refusal(FieldMapping.DEFAULT, "d.parquet");

            assertEquals(
                    "spec.input.textField 'text' is not a string in any of the 3 records of " + where("d.parquet")
                            + " (row 1: field 'text' is a Parquet " + c[1] + " column, a date or time, not a string)",
                    message,
                    c[0]);
        }
    }

    @Test
    void gzipDataUnderAJsonlNameIsRefusedWithWhatItLooksLike() throws IOException {
        Files.write(dir.resolve("a.jsonl"), gzip(corpusBytes(20)));

        String message = refusal(FieldMapping.DEFAULT, "a.jsonl");

        assertTrue(message.startsWith("none of the "), message);
        assertTrue(message.contains("of " + where("a.jsonl") + " could be read as a document: "), message);
        assertTrue(message.contains("invalid_utf8 (first at line 1: line is not valid UTF-8)"), message);
        assertTrue(
                message.endsWith("its bytes start like gzip data (1f 8b) but its name does not end in .gz:"
                        + " rename it (e.g. to .jsonl.gz) so it is decompressed"),
                message);
    }

    @Test
    void everyReasonNoLineIsADocumentIsListed() throws IOException {
        // two empty texts and one line that is not JSON: the message lists both reasons, not only the reader's
        Files.writeString(
                dir.resolve("a.jsonl"), "{\"id\":\"e1\",\"text\":\"\"}\n{\"id\":\"e2\",\"text\":\"   \"}\nnot json\n");

        String message = refusal(FieldMapping.DEFAULT, "a.jsonl");

        assertTrue(
                message.startsWith("none of the 3 lines of " + where("a.jsonl")
                        + " could be read as a document: 2 empty_text, 1 malformed_json (first at line 3: "),
                message);
    }

    @Test
    void aFileOfAnotherKindIsSampledOnItsOwn() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 5);
        byte[] xz = new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, (byte) 0xe6, (byte) 0xd6, '\n', 1, 2};
        Files.write(dir.resolve("b.jsonl.xz"), xz);

        String message = refusal(FieldMapping.DEFAULT, "a.jsonl", "b.jsonl.xz");

        assertTrue(message.contains(where("b.jsonl.xz")), message);
        assertTrue(
                message.endsWith("it is xz-compressed, which is not read: recompress it with zstd (.jsonl.zst) or"
                        + " gzip (.jsonl.gz)"),
                message);
    }

    @Test
    void aPrettyPrintedJsonArrayIsRefused() throws IOException {
        Files.writeString(dir.resolve("docs.json"), """
                [
                  {
                    "id": "a",
                    "text": "one"
                  },
                  {
                    "id": "b",
                    "text": "two"
                  }
                ]
                """);

        String message = refusal(FieldMapping.DEFAULT, "docs.json");

        assertTrue(message.startsWith("none of the 10 lines of " + where("docs.json")), message);
        assertTrue(
                message.endsWith("it starts with '[': one JSON array, not JSON lines (one object per line);"
                        + " convert it, e.g. jq -c '.[]'"),
                message);
    }

    @Test
    void utf16JsonLinesAreRefused() throws IOException {
        byte[] text =
                "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n".getBytes(StandardCharsets.UTF_16);
        Files.write(dir.resolve("u.jsonl"), text);

        String message = refusal(FieldMapping.DEFAULT, "u.jsonl");

        assertTrue(message.contains(where("u.jsonl")), message);
        assertTrue(
                message.endsWith("it is UTF-16 text; JSON lines are read as UTF-8: convert it (e.g. iconv -f"
                        + " UTF-16 -t UTF-8)"),
                message);
    }

    @Test
    void anIdFieldThatHoldsObjectsIsRefused() throws IOException {
        Files.writeString(dir.resolve("o.jsonl"), "{\"id\":{\"n\":1},\"text\":\"one\"}\n");

        assertEquals(
                "spec.input.idField 'id' is not a string or a number in any of the 1 records of " + where("o.jsonl")
                        + " (line 1: field 'id' is an object, not a string or a number)",
                refusal(FieldMapping.DEFAULT, "o.jsonl"));
    }

    /** An idField the job names (not the default) that no record holds would give every document a file:line id. */
    @Test
    void aNamedIdFieldInNoneOfTheRecordsIsRefusedWithTheFieldsTheyHave() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 150);

        assertEquals(
                "spec.input.idField 'doc_id' is in none of the 150 records of " + where("a.jsonl")
                        + " (their fields: id, n, text): each of its documents would be rejected as missing_id;"
                        + " name the field that holds the ids, or leave idField out for a corpus without ids"
                        + " (each record is then given file:line)",
                refusal(new FieldMapping("text", "doc_id"), "a.jsonl"));
    }

    /**
     * A sampled file without the named idField in any record is refused whatever the other files hold: each of
     * its documents would be a missing_id reject (the duplicate-id pass refuses the other such files), so the
     * refusal comes before that pass reads the corpus. A file of another kind holding the field changes nothing.
     */
    @Test
    void aSampledFileWithoutTheNamedIdFieldIsRefusedWhateverTheOthersHold() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 20);
        Files.writeString(dir.resolve("b.jsonl"), "{\"doc_id\":\"b1\",\"text\":\"has one\"}\n");

        String message = refusal(new FieldMapping("text", "doc_id"), "a.jsonl", "b.jsonl");
        assertTrue(
                message.startsWith("spec.input.idField 'doc_id' is in none of the 20 records of " + where("a.jsonl")),
                message);
    }

    /** The default idField may be absent (a corpus without ids), and a named one may be absent from some records. */
    @Test
    void anIdFieldAbsentUnderTheDefaultNameOrPresentInSomeRecordsPasses() throws IOException {
        Files.writeString(dir.resolve("n.jsonl"), "{\"text\":\"one\"}\n{\"text\":\"two\"}\n");
        assertDoesNotThrow(() -> sample(FieldMapping.DEFAULT, "n.jsonl"));

        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            lines.append("{\"text\":\"no id ").append(i).append("\"}\n");
        }
        lines.append("{\"doc_id\":\"d1\",\"text\":\"has one\"}\n");
        Files.writeString(dir.resolve("s.jsonl"), lines.toString());
        assertDoesNotThrow(() -> sample(new FieldMapping("text", "doc_id"), "s.jsonl"));
    }

    /** A corpus whose first records have no ids, later ones having them, is not taken for a misspelt idField. */
    @Test
    void aNamedIdFieldFirstHeldAfterTheFirstHundredRecordsPasses() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            lines.append("{\"text\":\"no id ").append(i).append("\"}\n");
        }
        lines.append("{\"doc_id\":\"d1\",\"text\":\"has one\"}\n");
        Files.writeString(dir.resolve("late.jsonl"), lines.toString());
        assertDoesNotThrow(() -> sample(new FieldMapping("text", "doc_id"), "late.jsonl"));

        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { optional binary doc_id (STRING); required binary text (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(
                        new LocalOutputFile(dir.resolve("late.parquet")))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 130; i++) {
                Group row = groups.newGroup().append("text", "row " + i);
                if (i == 129) {
                    row.append("doc_id", "p129");
                }
                writer.write(row);
            }
        }
        assertDoesNotThrow(() -> sample(new FieldMapping("text", "doc_id"), "late.parquet"));
    }

    /**
     * The sampled file is read on past its first 100 lines to its first document: a file the duplicate-id pass
     * would plan (its worker rejecting the unreadable lines) is not refused because it is the first of its kind.
     */
    @Test
    void aFirstDocumentAfterTheFirstHundredLinesPasses() throws IOException {
        Files.writeString(
                dir.resolve("late.jsonl"),
                "not JSON\n".repeat(150) + "{\"id\":\"late\",\"text\":\"A document after them.\"}\n");

        assertDoesNotThrow(() -> sample(FieldMapping.DEFAULT, "late.jsonl"));
    }

    /**
     * A Parquet file declares its columns: a text column not among them is in none of its rows, so the file is
     * refused on its first row rather than after reading all of them.
     */
    @Test
    void aParquetTextColumnTheSchemaDoesNotDeclareIsRefusedWithoutReadingTheRows() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary body (STRING); }");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("w.parquet")))
                .withType(schema)
                .withRowGroupSize(1024L)
                .withPageSize(256)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < 2000; i++) {
                writer.write(groups.newGroup().append("id", "p" + i).append("body", "row " + i + " ".repeat(40)));
            }
        }
        List<String> notes = new java.util.ArrayList<>();

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> sampleNoting(FieldMapping.DEFAULT, notes, "w.parquet"));

        assertEquals(
                "spec.input.textField 'text' is in none of the rows of " + where("w.parquet")
                        + ": it is not one of its columns (body, id)",
                refused.getMessage());
        assertEquals(List.of(), notes, "decided by the schema, with no read to the end to announce");
    }

    /**
     * The first file's first records hold no document, but the next file of its kind does: the job's fields are
     * right, and the first file is left to the duplicate-id pass, which reads all of it, rather than read to its end
     * here (the store fails any read past its first 64 KiB).
     */
    @Test
    void aFirstFileWithoutADocumentInItsFirstRecordsIsNotReadOnWhenTheNextFileHoldsOne() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), recordsWithoutText(20_000) + "{\"id\":\"late\",\"text\":\"x\"}\n");
        Corpus.writeJsonl(dir.resolve("b.jsonl"), "b", 10);
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        List<ShardFile> files = List.of(
                new ShardFile("a.jsonl", Files.size(dir.resolve("a.jsonl"))),
                new ShardFile("b.jsonl", Files.size(dir.resolve("b.jsonl"))));
        InputSample sample = new InputSample(
                new FailingReads(dir, 64 * 1024, new IllegalStateException("read past the sample")), readers);

        assertDoesNotThrow(() -> sample.check(List.of(new Shard(0, files))));
    }

    /**
     * A file whose first records hold no document, alone of its kind, is read on to its end: its records further on
     * may hold the field (the duplicate-id pass would take such a file), and a note says so at once, naming the
     * field, the file, the fields its records have and the near one.
     */
    @Test
    void aTextFieldFirstHeldPastTheFirstRecordsPassesAfterANote() throws IOException {
        Files.writeString(
                dir.resolve("a.jsonl"),
                recordsWithoutText(600) + "{\"id\":\"late\",\"text\":\"A document after them.\"}\n");
        List<String> notes = new java.util.ArrayList<>();

        assertDoesNotThrow(() -> sampleNoting(new FieldMapping("text", "id"), notes, "a.jsonl"));

        assertEquals(
                List.of("spec.input.textField 'text' is in none of the first 500 records of " + where("a.jsonl")
                        + " (their fields: id, txt; did you mean textField 'txt'?); nor do the first ones of the next"
                        + " files of its kind: reading it to its end before the job is refused, as records further on"
                        + " may hold documents (if the field is misspelt, stop the job and correct it)"),
                notes);
    }

    /** The same file without a document further on is refused once read to its end, counting all of its records. */
    @Test
    void aTextFieldInNoneOfTheRecordsOfALongFileIsRefusedOverAllOfThem() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), recordsWithoutText(600));
        List<String> notes = new java.util.ArrayList<>();

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> sampleNoting(FieldMapping.DEFAULT, notes, "a.jsonl"));

        assertEquals(
                "spec.input.textField 'text' is in none of the 600 records of " + where("a.jsonl")
                        + " (their fields: id, txt; did you mean textField 'txt'?)",
                refused.getMessage());
        assertEquals(1, notes.size(), notes.toString());
    }

    /** {@code count} JSON lines with an id and their text under {@code txt}. */
    private static String recordsWithoutText(int count) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append("{\"id\":\"r")
                    .append(i)
                    .append("\",\"txt\":\"record ")
                    .append(i)
                    .append("\"}\n");
        }
        return lines.toString();
    }

    private void sampleNoting(FieldMapping fields, List<String> notes, String... keys) throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), fields), 1 << 20);
        List<ShardFile> files = Arrays.stream(keys)
                .map(k -> new ShardFile(k, dir.resolve(k).toFile().length()))
                .toList();
        new InputSample(new FileStorage(dir), readers, notes::add).check(List.of(new Shard(0, files)));
    }

    /** A sampled file without a document is refused once it was read to its end, in the words of the whole file. */
    @Test
    void aFileWithoutADocumentIsRefusedOverAllItsLines() throws IOException {
        Files.writeString(dir.resolve("log.jsonl"), "not JSON\n".repeat(150));

        String message = refusal(FieldMapping.DEFAULT, "log.jsonl");

        assertTrue(
                message.startsWith("none of the 150 lines of " + where("log.jsonl")
                        + " could be read as a document: 150 malformed_json (first at line 1: "),
                message);
    }

    /** Records after a first hundred unreadable lines, none with the textField: the refusal names the field. */
    @Test
    void aTextFieldInNoneOfTheRecordsAfterTheFirstHundredLinesIsNamed() throws IOException {
        StringBuilder lines = new StringBuilder("not JSON\n".repeat(150));
        for (int i = 0; i < 20; i++) {
            lines.append("{\"id\":\"b").append(i).append("\",\"body\":\"no text field\"}\n");
        }
        Files.writeString(dir.resolve("a.jsonl"), lines.toString());

        assertEquals(
                "spec.input.textField 'text' is in none of the 170 lines of " + where("a.jsonl")
                        + " (their fields: id, body; 150 malformed_json, 20 missing_text)",
                refusal(FieldMapping.DEFAULT, "a.jsonl"));
    }

    /** Records after a first hundred unreadable lines, none with the named idField: the refusal names the field. */
    @Test
    void aNamedIdFieldInNoneOfTheRecordsAfterTheFirstHundredLinesIsNamed() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "not JSON\n".repeat(150));
        Corpus.writeJsonl(dir.resolve("records.jsonl"), "r", 20);
        Files.writeString(
                dir.resolve("a.jsonl"), Files.readString(dir.resolve("records.jsonl")), StandardOpenOption.APPEND);

        String message = refusal(new FieldMapping("text", "doc_id"), "a.jsonl");

        assertTrue(
                message.startsWith("spec.input.idField 'doc_id' is in none of the 170 lines of " + where("a.jsonl")
                        + " (their fields: text, id, n; 150 malformed_json, 20 missing_id): each of its documents"
                        + " would be rejected as missing_id"),
                message);
    }

    @Test
    void aCorpusWithSomeBadLinesPasses() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 99; i++) {
            lines.append("{\"id\":\"x").append(i).append("\",\"body\":\"no text field\"}\n");
        }
        lines.append("{\"id\":\"good\",\"text\":\"the one document\"}\n");
        Files.writeString(dir.resolve("a.jsonl"), lines.toString());

        assertDoesNotThrow(() -> sample(FieldMapping.DEFAULT, "a.jsonl"));
    }

    @Test
    void aCorruptFirstFileIsLeftToItsWorkerAndTheNextOneIsSampled() throws IOException {
        byte[] whole = gzip(corpusBytes(50));
        Files.write(dir.resolve("a.jsonl.gz"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(
                dir.resolve("b.jsonl.gz"), gzip("{\"id\":\"b\",\"body\":\"x\"}\n".getBytes(StandardCharsets.UTF_8)));

        String message = refusal(FieldMapping.DEFAULT, "a.jsonl.gz", "b.jsonl.gz");

        assertTrue(
                message.startsWith("spec.input.textField 'text' is in none of the 1 records of " + where("b.jsonl.gz")),
                message);
    }

    /** A file without records (empty, blank lines) says nothing of the job's fields: the next file is sampled. */
    @Test
    void anEmptyFirstFileIsPassedOverAndTheNextOneIsSampled() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "");
        Files.writeString(dir.resolve("b.jsonl"), "\n\n\n");
        Corpus.writeJsonl(dir.resolve("c.jsonl"), "c", 5);

        String message = refusal(new FieldMapping("txt", "id"), "a.jsonl", "b.jsonl", "c.jsonl");

        assertEquals(
                "spec.input.textField 'txt' is in none of the 5 records of " + where("c.jsonl")
                        + " (their fields: id, text, n; did you mean textField 'text'?)",
                message);
    }

    /** Empty files do not use up the corrupt files' allowance: one past three empty ones is still sampled. */
    @Test
    void emptyFilesBeforeCorruptOnesLeaveTheNextFileSampled() throws IOException {
        for (String key : List.of("a.jsonl.gz", "b.jsonl.gz", "c.jsonl.gz")) {
            Files.write(dir.resolve(key), gzip(new byte[0]));
        }
        byte[] whole = gzip(corpusBytes(50));
        Files.write(dir.resolve("d.jsonl.gz"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(
                dir.resolve("e.jsonl.gz"), gzip("{\"id\":\"e\",\"body\":\"x\"}\n".getBytes(StandardCharsets.UTF_8)));

        String message =
                refusal(FieldMapping.DEFAULT, "a.jsonl.gz", "b.jsonl.gz", "c.jsonl.gz", "d.jsonl.gz", "e.jsonl.gz");

        assertTrue(
                message.startsWith("spec.input.textField 'text' is in none of the 1 records of " + where("e.jsonl.gz")),
                message);
    }

    @Test
    void aFailureOfTheStoreIsNotTakenForACorruptFileToPassOver() throws IOException {
        Corpus.writeJsonl(dir.resolve("a.jsonl"), "a", 500);
        Corpus.writeJsonl(dir.resolve("b.jsonl"), "b", 500);
        IllegalStateException storeFailure = new IllegalStateException("connection pool shut down");
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        List<ShardFile> files = List.of(
                new ShardFile("a.jsonl", Files.size(dir.resolve("a.jsonl"))),
                new ShardFile("b.jsonl", Files.size(dir.resolve("b.jsonl"))));
        InputSample sample = new InputSample(new FailingReads(dir, 1000, storeFailure), readers);

        RuntimeException thrown =
                assertThrows(RuntimeException.class, () -> sample.check(List.of(new Shard(0, files))));

        assertSame(storeFailure, thrown);
    }

    private String refusal(FieldMapping fields, String... keys) {
        return assertThrows(InvalidJobException.class, () -> sample(fields, keys))
                .getMessage();
    }

    private void sample(FieldMapping fields, String... keys) throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), fields), 1 << 20);
        List<ShardFile> files = Arrays.stream(keys)
                .map(k -> new ShardFile(k, dir.resolve(k).toFile().length()))
                .toList();
        new InputSample(new FileStorage(dir), readers).check(List.of(new Shard(0, files)));
    }

    private String where(String key) {
        return new FileStorage(dir).describe(key);
    }

    private byte[] corpusBytes(int documents) throws IOException {
        Path file = dir.resolve("source").resolve("corpus.jsonl");
        Corpus.writeJsonl(file, "s", documents);
        return Files.readAllBytes(file);
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }
}
