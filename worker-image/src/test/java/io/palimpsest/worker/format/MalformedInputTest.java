package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.storage.FileStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MalformedInputTest {

    private final DocumentReaders readers = new DocumentReaders(
            "auto",
            new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT),
            DocumentReaders.DEFAULT_MAX_LINE_BYTES);

    @TempDir
    Path dir;

    @Test
    void everyBadLineIsAnItemWithReasonAndLineNumber() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(line("{\"id\":\"a\",\"text\":\"fine\"}"));
        bytes.writeBytes(line("{\"id\":\"b\",\"text\":"));
        bytes.writeBytes(
                new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
        bytes.writeBytes(line("{\"id\":\"d\",\"text\":\"   \"}"));
        bytes.writeBytes(line("[1,2]"));
        bytes.writeBytes(line("{\"id\":\"f\",\"body\":\"no text\"}"));
        bytes.writeBytes(line("{\"id\":\"g\",\"text\":12}"));
        bytes.writeBytes(line(""));
        bytes.writeBytes(line("{\"id\":\"i\",\"text\":\"one\"} trailing words"));
        bytes.writeBytes(line("{\"id\":\"j\",\"text\":\"two\"}{\"id\":\"k\",\"text\":\"three\"}"));
        bytes.writeBytes(line("{\"id\":\"l\",\"text\":\"spaces after are fine\"}   "));
        bytes.writeBytes("{\"id\":\"h\",\"text\":\"last line, no newline\"}".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("bad.jsonl"), bytes.toByteArray());

        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals("a", assertInstanceOf(Document.class, reader.next()).id());
            expect(reader.next(), ItemReason.MALFORMED_JSON, 2);
            expect(reader.next(), ItemReason.INVALID_UTF8, 3);
            expect(reader.next(), ItemReason.EMPTY_TEXT, 4);
            expect(reader.next(), ItemReason.NOT_AN_OBJECT, 5);
            expect(reader.next(), ItemReason.MISSING_TEXT, 6);
            expect(reader.next(), ItemReason.TEXT_NOT_A_STRING, 7);
            expect(reader.next(), ItemReason.BLANK_LINE, 8);
            UnusableItem garbage = expect(reader.next(), ItemReason.TRAILING_DATA, 9);
            assertTrue(garbage.detail().contains("byte 23"), garbage.detail());
            expect(reader.next(), ItemReason.TRAILING_DATA, 10);
            assertEquals("l", assertInstanceOf(Document.class, reader.next()).id());
            Document last = assertInstanceOf(Document.class, reader.next());
            assertEquals(12, last.position().line());
            assertNull(reader.next());
        }
    }

    /** A scraped page of &nbsp; and zero-width spaces alone is as empty as one of spaces, and is not sent. */
    @Test
    void aTextOfInvisibleCharactersAloneIsEmpty() throws IOException {
        Files.writeString(
                dir.resolve("bad.jsonl"),
                "{\"id\":\"nbsp\",\"text\":\"\\u00a0\\u00a0\\n\\u00a0\"}\n"
                        + "{\"id\":\"zwsp\",\"text\":\"\u200b\\ufeff\u2060 \\u202f\"}\n"
                        + "{\"id\":\"seen\",\"text\":\"\u00a0x\u200b\"}\n",
                StandardCharsets.UTF_8);

        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            expect(reader.next(), ItemReason.EMPTY_TEXT, 1);
            expect(reader.next(), ItemReason.EMPTY_TEXT, 2);
            assertEquals("seen", assertInstanceOf(Document.class, reader.next()).id());
        }
    }

    @Test
    void aFiftyMegabyteLineIsRejectedWithoutHoldingIt() throws IOException {
        Path file = dir.resolve("huge.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(line("{\"id\":\"before\",\"text\":\"x\"}"));
            out.write("{\"id\":\"huge\",\"text\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = "abcdefghij".repeat(100_000).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 50; i++) {
                out.write(chunk);
            }
            out.write(line("\"}"));
            out.write(line("{\"id\":\"after\",\"text\":\"y\"}"));
        }
        try (DocumentReader reader = readers.open(new FileStorage(dir), "huge.jsonl")) {
            assertEquals(
                    "before", assertInstanceOf(Document.class, reader.next()).id());
            UnusableItem huge = expect(reader.next(), ItemReason.LINE_TOO_LONG, 2);
            assertTrue(huge.detail().contains("50000023"), huge.detail());
            assertEquals(
                    "after", assertInstanceOf(Document.class, reader.next()).id());
        }
    }

    @Test
    void anEscapedLoneSurrogateIsInvalidUtf8AndAPairIsText() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(line("{\"id\":\"a\",\"text\":\"smile \\ud83d\\ude00\"}"));
        bytes.writeBytes(line("{\"id\":\"b\",\"text\":\"half \\ud800 a pair\"}"));
        bytes.writeBytes(line("{\"id\":\"c\",\"text\":\"fine\",\"meta\":{\"title\":[\"x\",\"\\udc00\"]}}"));
        bytes.writeBytes(line("{\"id\":\"d\",\"text\":\"ends high \\ud83d\"}"));
        Files.write(dir.resolve("bad.jsonl"), bytes.toByteArray());

        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals(
                    "smile \ud83d\ude00",
                    assertInstanceOf(Document.class, reader.next()).text());
            UnusableItem half = expect(reader.next(), ItemReason.INVALID_UTF8, 2);
            assertEquals(
                    "field 'text' holds a lone surrogate (\\ud800 at character 5), which is not valid Unicode and has"
                            + " no UTF-8 form",
                    half.detail());
            UnusableItem inMeta = expect(reader.next(), ItemReason.INVALID_UTF8, 3);
            assertTrue(inMeta.detail().startsWith("field 'meta.title[1]' holds a lone surrogate"), inMeta.detail());
            expect(reader.next(), ItemReason.INVALID_UTF8, 4);
            assertNull(reader.next());
        }
    }

    /** A text field that is there but null is rejected missing_text, and the detail says it is null, not absent. */
    @Test
    void aNullTextIsSaidToBeNull() throws IOException {
        Files.writeString(dir.resolve("bad.jsonl"), "{\"id\":\"n\",\"text\":null}\n{\"id\":\"m\"}\n");

        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals(
                    "field 'text' is null",
                    expect(reader.next(), ItemReason.MISSING_TEXT, 1).detail());
            assertEquals(
                    "field 'text' is missing",
                    expect(reader.next(), ItemReason.MISSING_TEXT, 2).detail());
            assertNull(reader.next());
        }
    }

    @Test
    void anIdThatIsAnObjectIsRejectedAndANumberIsItsText() throws IOException {
        Files.writeString(
                dir.resolve("bad.jsonl"),
                "{\"id\":{\"a\":1},\"text\":\"one\"}\n{\"id\":[1],\"text\":\"two\"}\n{\"id\":7,\"text\":\"three\"}\n");

        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals(
                    "field 'id' is an object, not a string or a number",
                    expect(reader.next(), ItemReason.INVALID_ID, 1).detail());
            assertEquals(
                    "field 'id' is an array, not a string or a number",
                    expect(reader.next(), ItemReason.INVALID_ID, 2).detail());
            assertEquals("7", assertInstanceOf(Document.class, reader.next()).id(), "the same id as \"7\"");
            assertNull(reader.next());
        }
    }

    /**
     * A record without the idField the job names is rejected {@code missing_id}, not given its position as
     * its id; under the default field {@code id} it is given {@code file:line} (a corpus without ids).
     */
    @Test
    void aRecordWithoutANamedIdFieldIsRejectedAndWithoutTheDefaultOneGetsItsPosition() throws IOException {
        Files.writeString(
                dir.resolve("bad.jsonl"),
                "{\"doc\":\"d1\",\"text\":\"one\"}\n{\"id\":\"x\",\"text\":\"two\"}\n"
                        + "{\"doc\":null,\"text\":\"three\"}\n{\"doc\":7,\"text\":\"four\"}\n");
        DocumentReaders named = new DocumentReaders(
                "auto",
                new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "doc")),
                DocumentReaders.DEFAULT_MAX_LINE_BYTES);

        try (DocumentReader reader = named.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals("d1", assertInstanceOf(Document.class, reader.next()).id());
            UnusableItem missing = expect(reader.next(), ItemReason.MISSING_ID, 2);
            assertEquals("field 'doc' is missing", missing.detail());
            assertEquals(List.of("text", "id"), missing.recordFields());
            assertEquals(
                    "field 'doc' is null",
                    expect(reader.next(), ItemReason.MISSING_ID, 3).detail());
            assertEquals("7", assertInstanceOf(Document.class, reader.next()).id());
            assertNull(reader.next());
        }
        try (DocumentReader reader = readers.open(new FileStorage(dir), "bad.jsonl")) {
            assertEquals(
                    "bad.jsonl:1",
                    assertInstanceOf(Document.class, reader.next()).id());
            assertEquals("x", assertInstanceOf(Document.class, reader.next()).id());
        }
        assertEquals(ItemReason.Outcome.REJECTED, ItemReason.MISSING_ID.outcome());
    }

    private static UnusableItem expect(InputItem item, ItemReason reason, long line) {
        UnusableItem unusable = assertInstanceOf(UnusableItem.class, item);
        assertEquals(reason, unusable.reason(), unusable.detail());
        assertEquals(line, unusable.position().line());
        assertEquals(
                "bad.jsonl".equals(unusable.position().file())
                        || "huge.jsonl".equals(unusable.position().file()),
                true);
        return unusable;
    }

    private static byte[] line(String text) {
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
