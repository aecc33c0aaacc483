package io.palimpsest.worker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small JSONL corpora for tests: numbered documents with ids {@code <prefix>-<n>}. */
public final class Corpus {

    private Corpus() {}

    public static List<String> writeJsonl(Path file, String idPrefix, int documents) throws IOException {
        Files.createDirectories(file.getParent());
        List<String> ids = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < documents; i++) {
            String id = idPrefix + "-" + i;
            ids.add(id);
            out.append("{\"id\":\"")
                    .append(id)
                    .append("\",\"text\":\"")
                    .append(sentence(i))
                    .append("\",\"n\":")
                    .append(i)
                    .append("}\n");
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
        return ids;
    }

    /** A short, varied, deterministic sentence. */
    public static String sentence(int i) {
        String[] subjects = {"The river", "A small library", "The old mill", "Our village choir", "The harbour crane"};
        String[] verbs = {"opened", "was repaired", "gained new members", "flooded", "closed for winter"};
        return subjects[i % subjects.length] + " " + verbs[(i / 5) % verbs.length] + " in year " + (1800 + i % 200)
                + ", according to record number " + i + ".";
    }
}
