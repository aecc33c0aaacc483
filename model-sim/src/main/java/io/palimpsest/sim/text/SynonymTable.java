package io.palimpsest.sim.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Word substitutions and filler words for one language, read from {@code synonyms-xx.txt}
 * beside this class (format described in the English file). Loaded once and shared.
 */
public final class SynonymTable {
    private static final Map<Language, SynonymTable> TABLES = loadAll();

    private final Map<String, List<String>> alternatives;
    private final List<String> fillers;
    private final Set<String> noFillerBefore;

    private SynonymTable(Map<String, List<String>> alternatives, List<String> fillers, Set<String> noFillerBefore) {
        this.alternatives = Map.copyOf(alternatives);
        this.fillers = List.copyOf(fillers);
        this.noFillerBefore = Set.copyOf(noFillerBefore);
    }

    /** The table of {@code language}; OTHER has an empty one. */
    public static SynonymTable of(Language language) {
        return TABLES.get(language);
    }

    public Optional<List<String>> alternatives(String lowerCaseWord) {
        return Optional.ofNullable(alternatives.get(lowerCaseWord));
    }

    /** Words that can stand before most words of the language without changing its content. */
    public List<String> fillers() {
        return fillers;
    }

    /** Whether a filler may stand right before this lower-case word. */
    public boolean fillerFitsBefore(String lowerCaseWord) {
        return !noFillerBefore.contains(lowerCaseWord);
    }

    private static Map<Language, SynonymTable> loadAll() {
        Map<Language, SynonymTable> tables = new EnumMap<>(Language.class);
        tables.put(Language.ENGLISH, load("synonyms-en.txt"));
        tables.put(Language.FRENCH, load("synonyms-fr.txt"));
        tables.put(Language.GERMAN, load("synonyms-de.txt"));
        tables.put(Language.OTHER, new SynonymTable(Map.of(), List.of(), Set.of()));
        return tables;
    }

    private static SynonymTable load(String resource) {
        Map<String, List<String>> alternatives = new HashMap<>();
        List<String> fillers = List.of();
        Set<String> noFillerBefore = Set.of();
        try (InputStream in = SynonymTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq < 0) {
                    throw new IllegalStateException(resource + ": no '=' in line '" + line + "'");
                }
                String key = line.substring(0, eq).strip();
                List<String> values = Arrays.stream(line.substring(eq + 1).split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
                if (key.equals("@fillers")) {
                    fillers = values;
                } else if (key.equals("@no_filler_before")) {
                    noFillerBefore = Set.copyOf(values);
                } else {
                    alternatives.put(key, values);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SynonymTable(alternatives, fillers, noFillerBefore);
    }
}
