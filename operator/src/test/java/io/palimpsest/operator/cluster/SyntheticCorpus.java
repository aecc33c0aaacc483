package io.palimpsest.operator.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
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
     * Adds to a corpus {@link #write} made a file whose shard fails for good once its worker reads it. No input the
     * planner takes does that as it is: a file it cannot decode, or one none of whose records is a document, is
     * refused with the plan (PlanningFailed), and a file whose first document comes late (after 100 lines that are
     * not JSON) has its bad lines rejected by its worker, since the planner read it whole and vouched for it. What
     * is left is an input that changes under a plan: the poison is a good gzip file of three documents, appended to
     * (one more gzip member, as a producer still writing it would) once the planner has stored the plan's
     * duplicate-id index under {@code output}, before any worker starts; its worker finds the file's size is not the
     * plan's and fails the shard as bad data (exit 42), naming the file. Close the handle when the scenario ends.
     */
    static AutoCloseable writePoison(Path dir, String name, Path output) throws IOException {
        Path poison = dir.resolve(name);
        StringBuilder documents = new StringBuilder();
        for (int d = 0; d < 3; d++) {
            documents
                    .append("{\"id\":\"poison-")
                    .append(d)
                    .append("\",\"text\":\"A document of a file that changes.\"}\n");
        }
        Files.write(poison, gzip(documents.toString().getBytes(StandardCharsets.UTF_8)));
        Path index = output.resolve("_palimpsest/duplicates/items-index.json");
        AtomicBoolean closed = new AtomicBoolean();
        Thread producer = new Thread(
                () -> {
                    try {
                        while (!closed.get() && !Files.exists(index)) {
                            Thread.sleep(10);
                        }
                        if (!closed.get()) {
                            Files.write(
                                    poison,
                                    gzip("{\"id\":\"poison-late\",\"text\":\"Written after the plan.\"}\n"
                                            .getBytes(StandardCharsets.UTF_8)),
                                    StandardOpenOption.APPEND);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "poison-producer");
        producer.setDaemon(true);
        producer.start();
        return () -> {
            closed.set(true);
            producer.join(1_000);
        };
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
