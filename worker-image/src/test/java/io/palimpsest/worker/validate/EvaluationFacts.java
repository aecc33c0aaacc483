package io.palimpsest.worker.validate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hand-written facts of {@code quality/facts.txt}: each fact in several phrasings that carry the
 * same information, so a passage and a faithful rewrite of it can be composed from different ones.
 */
record EvaluationFacts(List<Topic> topics) {

    /** Phrasing keys: S source, R rewrite, T terse, L expanded, and ISO 639-1 codes for translations. */
    record Fact(Map<String, String> phrasings) {
        String get(String key) {
            return phrasings.get(key);
        }

        boolean has(String key) {
            return phrasings.containsKey(key);
        }
    }

    record Topic(String name, List<Fact> facts) {
        /** The language this topic has translations in, or null. */
        String foreignLanguage() {
            return facts.get(0).phrasings().keySet().stream()
                    .filter(k -> k.length() == 2)
                    .findFirst()
                    .orElse(null);
        }
    }

    static EvaluationFacts read(InputStream in) throws IOException {
        List<Topic> topics = new ArrayList<>();
        List<Fact> facts = null;
        Map<String, String> current = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("## ")) {
                    facts = new ArrayList<>();
                    topics.add(new Topic(line.substring(3).strip(), facts));
                    current = null;
                } else if (line.isBlank() || line.startsWith("#")) {
                    current = null;
                } else {
                    int space = line.indexOf(' ');
                    String key = line.substring(0, space);
                    key = key.startsWith("F:") ? key.substring(2) : key;
                    if (current == null) {
                        current = new LinkedHashMap<>();
                        facts.add(new Fact(current));
                    }
                    current.put(key, line.substring(space + 1).strip());
                }
            }
        }
        return new EvaluationFacts(topics);
    }

    static EvaluationFacts load() throws IOException {
        try (InputStream in = EvaluationFacts.class.getResourceAsStream("/quality/facts.txt")) {
            if (in == null) {
                throw new IOException("quality/facts.txt is not on the test classpath");
            }
            return read(in);
        }
    }
}
