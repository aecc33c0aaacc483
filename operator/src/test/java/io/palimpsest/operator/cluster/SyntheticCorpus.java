package io.palimpsest.operator.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * JSONL shards of made-up prose for scenarios that need many shards: one file per shard (the jobs
 * use {@code filesPerShard: 1}), documents with ids unique across the corpus so a lost or
 * duplicated document shows up by id in the output.
 */
final class SyntheticCorpus {

    private static final String[] WORDS = ("river valley glacier village harvest winter market bridge council "
                    + "railway mountain forest coast harbour festival library museum station tower castle meadow "
                    + "settlers merchants farmers engineers builders travellers scholars")
            .split(" ");

    private SyntheticCorpus() {}

    /** {@code shards} files of {@code docsPerShard} documents; shard i is {@code shard-00i.jsonl}. Returns the ids. */
    static List<String> write(Path dir, int shards, int docsPerShard, long seed) throws IOException {
        return write(dir, shards, i -> docsPerShard, seed);
    }

    /** As {@link #write(Path, int, int, long)} with shard-specific document counts (uneven shards). */
    static List<String> write(Path dir, int shards, IntUnaryOperator docsOfShard, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            StringBuilder file = new StringBuilder();
            for (int d = 0; d < docsOfShard.applyAsInt(s); d++) {
                String id = "s" + s + "-d" + d;
                ids.add(id);
                file.append("{\"id\":\"")
                        .append(id)
                        .append("\",\"text\":\"")
                        .append(prose(random))
                        .append("\"}\n");
            }
            Files.writeString(dir.resolve(String.format("shard-%04d.jsonl", s)), file, StandardCharsets.UTF_8);
        }
        return ids;
    }

    /**
     * Adds to a corpus {@link #write} made a file whose shard fails for good once its worker reads it, yet which the
     * planner takes: a file it cannot decode, or one none of whose records is a document, is refused with the plan
     * (PlanningFailed). So the poison is valid gzip of 150 lines that are not JSON and then one document, and
     * shard-0000 is gzipped first, so that the .jsonl.gz the planner samples is a good one; the duplicate-id pass only
     * warns about the poison, and its worker, finding no document among the file's first 100 lines, exits 42.
     */
    static void writePoison(Path dir, String name) throws IOException {
        Path first = dir.resolve("shard-0000.jsonl");
        Files.write(dir.resolve("shard-0000.jsonl.gz"), gzip(Files.readAllBytes(first)));
        Files.delete(first);
        Files.write(
                dir.resolve(name),
                gzip(("this line is not JSON\n".repeat(150)
                                + "{\"id\":\"poison-late\",\"text\":\"A document after lines that are not JSON.\"}\n")
                        .getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static String prose(Random random) {
        StringBuilder text = new StringBuilder();
        int sentences = 3 + random.nextInt(4);
        for (int i = 0; i < sentences; i++) {
            int words = 8 + random.nextInt(8);
            for (int w = 0; w < words; w++) {
                String word = WORDS[random.nextInt(WORDS.length)];
                text.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
                text.append(w == words - 1 ? ". " : " ");
            }
        }
        return text.toString().trim();
    }
}
