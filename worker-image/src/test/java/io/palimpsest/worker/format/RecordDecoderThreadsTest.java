package io.palimpsest.worker.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The planner's duplicate-id pass reads its shards on several threads with one set of readers, so one
 * {@link RecordDecoder} decodes lines of several files at once: its UTF-8 check must hold for each of them.
 */
class RecordDecoderThreadsTest {

    @Test
    void oneDecoderReadsNonAsciiLinesOnManyThreadsAtOnceAsDocuments() throws Exception {
        RecordDecoder decoder = new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT);
        int threads = 4;
        int linesPerThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<String> notDocuments = new ArrayList<>();
                    for (int i = 0; i < linesPerThread; i++) {
                        byte[] line = ("{\"id\": \"t" + thread + "-" + i + "\", \"text\": \"café Straße 日本語のテキスト "
                                        + "русский текст 🚀 " + "x".repeat(i % 200) + "\"}")
                                .getBytes(StandardCharsets.UTF_8);
                        InputItem item;
                        try {
                            item = decoder.decodeLine(line, line.length, new SourcePosition("a.jsonl", i + 1));
                        } catch (RuntimeException e) {
                            notDocuments.add("line " + (i + 1) + ": " + e);
                            continue;
                        }
                        if (!(item instanceof Document)) {
                            notDocuments.add("line " + (i + 1) + ": " + item);
                        }
                    }
                    return notDocuments;
                }));
            }
            List<String> notDocuments = new ArrayList<>();
            for (Future<List<String>> result : results) {
                notDocuments.addAll(result.get());
            }
            assertEquals(
                    List.of(),
                    notDocuments.subList(0, Math.min(5, notDocuments.size())),
                    notDocuments.size() + " of " + threads * linesPerThread
                            + " valid lines were not read as documents");
        } finally {
            pool.shutdownNow();
        }
    }
}
