package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.StoredObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Refuses an input whose globs take files that are a dataset's description, not its data: a dataset card
 * ({@code README.md}), a licence, the metadata and loading script a Hugging Face dataset snapshot keeps beside its
 * data ({@code dataset_infos.json}, {@code dataset_info.json}, {@code dataset_dict.json}, {@code state.json},
 * {@code *.py}). Read as JSON lines they would be refused one at a time for their content, which does not say
 * how to leave them out; they are never skipped unnamed either. The refusal names them all and gives an
 * {@code include} checked against the files listed (or, when no pattern takes exactly the other files, an
 * {@code exclude} of their names): with it the plan takes the other files and nothing else.
 */
final class DatasetCardFiles {

    /** Names listed in the message; the rest are counted. */
    private static final int NAMED = 5;

    private static final Set<String> METADATA =
            Set.of("dataset_infos.json", "dataset_info.json", "dataset_dict.json", "state.json");
    private static final List<String> COMPRESSIONS = List.of(".gz", ".gzip", ".zst", ".zstd");

    private DatasetCardFiles() {}

    /** Whether a file's name says it describes a dataset rather than holding its records. */
    static boolean isDescription(String key) {
        String name = name(key).toLowerCase(Locale.ROOT);
        return name.endsWith(".md")
                || name.endsWith(".markdown")
                || name.endsWith(".py")
                || name.equals("license")
                || name.startsWith("license.")
                || METADATA.contains(name);
    }

    /**
     * @param taken the files the job's globs take
     * @param where the input as the job names it
     */
    static void refuse(List<StoredObject> taken, String where) {
        List<String> keys = taken.stream().map(StoredObject::key).toList();
        List<String> described =
                keys.stream().filter(DatasetCardFiles::isDescription).toList();
        if (described.isEmpty()) {
            return;
        }
        List<String> data = keys.stream().filter(k -> !isDescription(k)).toList();
        String names = described.stream().limit(NAMED).collect(Collectors.joining(", "))
                + (described.size() > NAMED ? " and " + (described.size() - NAMED) + " more" : "");
        String message = "spec.input.uri " + where + " holds " + described.size()
                + (described.size() == 1 ? " file that is" : " files that are") + " not corpus data: " + names
                + " (a dataset's card, licence or metadata, as a Hugging Face dataset snapshot has them beside its"
                + " data files); every file the globs take is read as records, so "
                + (data.isEmpty()
                        ? "point spec.input.uri at the folder or file that holds the data"
                        : suggestion(keys, data));
        throw new InvalidJobException(
                message, List.of(ManifestField.job("spec.input.include"), ManifestField.job("spec.input.uri")));
    }

    /** A pattern that takes exactly {@code data} among {@code keys}, tried against them, most specific first. */
    private static String suggestion(List<String> keys, List<String> data) {
        Optional<String> suffix = common(data, DatasetCardFiles::suffix);
        Optional<String> folder = common(data, DatasetCardFiles::folder).filter(f -> !f.isEmpty());
        List<String> includes = new ArrayList<>();
        if (suffix.isPresent() && folder.isPresent()) {
            includes.add(folder.get() + "/*" + suffix.get());
        }
        suffix.ifPresent(s -> includes.add("*" + s));
        common(data, DatasetCardFiles::top).filter(t -> !t.isEmpty()).ifPresent(t -> includes.add(t + "/**"));
        for (String include : includes) {
            if (takesExactly(new KeyFilter(List.of(include), List.of()), keys, data)) {
                return "take the data files only with spec.input.include: [\"" + include + "\"] (it takes the "
                        + others(data.size()) + ")";
            }
        }
        Set<String> excludes = new LinkedHashSet<>();
        keys.stream().filter(DatasetCardFiles::isDescription).forEach(k -> excludes.add(name(k)));
        String list = excludes.stream().map(e -> "\"" + e + "\"").collect(Collectors.joining(", "));
        // a name without '/' matches in every folder, and whether a file is a description depends on its name only
        return "leave them out with spec.input.exclude: [" + list + "] (it leaves the " + others(data.size()) + ")";
    }

    private static String others(int n) {
        return n + (n == 1 ? " other file" : " other files");
    }

    private static boolean takesExactly(KeyFilter filter, List<String> keys, List<String> data) {
        return keys.stream().filter(filter).toList().equals(data);
    }

    private static Optional<String> common(List<String> keys, Function<String, String> part) {
        Set<String> parts = keys.stream().map(part).collect(Collectors.toSet());
        return parts.size() == 1 ? Optional.of(parts.iterator().next()) : Optional.empty();
    }

    /** The name's last extension, with the one before it when the last is a compression's: ".jsonl.zst". */
    private static String suffix(String key) {
        String name = name(key);
        String lower = name.toLowerCase(Locale.ROOT);
        String compression =
                COMPRESSIONS.stream().filter(lower::endsWith).findFirst().orElse("");
        String stem = name.substring(0, name.length() - compression.length());
        int dot = stem.lastIndexOf('.');
        return dot <= 0 ? "" : stem.substring(dot) + name.substring(stem.length());
    }

    private static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private static String folder(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    private static String top(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }
}
