package io.palimpsest.worker.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairReaderTest {
    private static List<Pair> read(byte[] bytes, String name, PairFields fields, int maxLine) throws IOException {
        List<Pair> out = new ArrayList<>();
        try (PairReader r =
                new PairReader(new ByteArrayInputStream(bytes), name, fields, maxLine, new ObjectMapper())) {
            for (Pair p; (p = r.next()) != null; ) {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    void readsZstdAndFallsBackToWhereRunWritesFinishReasonAndVariant() throws IOException {
        String lines = """
                {"id":7,"source":"s","text":"o","provenance":{"finishReason":"length","variant":"qa","completionTokens":12}}
                {"source":"s","text":null,"finish_reason":"stop","max_tokens":100}
                """;
        ByteArrayOutputStream zst = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(zst)) {
            z.write(lines.getBytes(StandardCharsets.UTF_8));
        }
        List<Pair> pairs =
                read(zst.toByteArray(), "x.jsonl.zst", PairFields.defaults().withOutput("text"), 1 << 16);

        assertEquals(2, pairs.size());
        Pair a = pairs.get(0);
        assertEquals("7", a.id());
        assertEquals("o", a.output());
        assertEquals("length", a.finishReason());
        assertEquals("qa", a.variant());
        assertEquals(12, a.completionTokens());
        Pair b = pairs.get(1);
        assertEquals("", b.output(), "a null output is an empty output, which the validators reject");
        assertEquals("stop", b.finishReason());
        assertEquals(100, b.maxTokens());
        assertNull(b.id());
    }

    @Test
    void badLinesBecomeUnreadablePairsAndReadingGoesOn() throws IOException {
        String longLine = "{\"source\":\"" + "x".repeat(200) + "\",\"output\":\"y\"}";
        String lines = String.join(
                        "\n",
                        "[1,2]",
                        "{\"output\":\"o\"}",
                        "{\"source\":\"s\"}",
                        "{\"source\":\"s\",\"output\":3}",
                        longLine,
                        "{\"source\":\"s\",\"output\":\"o\"}")
                + "\n";
        List<Pair> pairs = read(lines.getBytes(StandardCharsets.UTF_8), "x.jsonl", PairFields.defaults(), 100);

        assertEquals(
                List.of(
                        "not a JSON object",
                        "no text field 'source'",
                        "no field 'output'",
                        "field 'output' is not text"),
                pairs.subList(0, 4).stream().map(Pair::problem).toList());
        assertTrue(
                pairs.get(4).problem().contains("longer than the limit"),
                pairs.get(4).problem());
        assertTrue(pairs.get(5).readable());
        assertEquals(6, pairs.get(5).line());
    }
}
