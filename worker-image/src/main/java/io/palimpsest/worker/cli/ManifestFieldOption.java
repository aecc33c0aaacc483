package io.palimpsest.worker.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An option no command has whose name is a RewriteJob field's ({@code --limit}, {@code --files-per-shard}): the user
 * means the field, which only the job file sets (whatever {@code local} runs, the cluster runs from the same file).
 * The error names where the field lives, where picocli's "Unknown options" and the whole usage would not.
 */
final class ManifestFieldOption {
    private ManifestFieldOption() {}

    /** The fields a user reaches for as flags, by their path in a RewriteJob. */
    private static final List<String> FIELDS = List.of(
            "spec.input.limit",
            "spec.input.include",
            "spec.input.exclude",
            "spec.input.textField",
            "spec.input.idField",
            "spec.input.format",
            "spec.output.compression",
            "spec.output.keepOriginal",
            "spec.sharding.filesPerShard",
            "spec.sharding.targetShardBytes",
            "spec.retry.attemptsPerShard",
            "spec.retry.maxFailedShards");

    /** A name with its dashes, underscores and case gone: {@code --files-per-shard} and {@code filesPerShard} meet. */
    private static final Map<String, String> BY_NAME = byName();

    private static Map<String, String> byName() {
        Map<String, String> names = new LinkedHashMap<>();
        for (String path : FIELDS) {
            String[] parts = path.split("\\.");
            String field = parts[parts.length - 1];
            names.put(bare(field), path);
            names.put(bare(parts[parts.length - 2] + field), path); // --input-limit
        }
        return names;
    }

    private static String bare(String name) {
        return name.replaceAll("[-_]", "").toLowerCase(Locale.ROOT);
    }

    /** The field {@code option} (as typed, {@code --limit} or {@code --limit=3}) names, when it names one. */
    static Optional<String> fieldOf(String option) {
        if (!option.startsWith("-")) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_NAME.get(bare(name(option))));
    }

    /** The one line that says so, after {@code palimpsest <command>: }. */
    static String message(String option, String field, String command) {
        return name(option) + " is no option of " + command + ": it is the job's field " + field
                + ", set in the RewriteJob manifest given with -f (see " + command + " --help)";
    }

    /** The option's name as typed, without a value given after {@code =}. */
    private static String name(String option) {
        int equals = option.indexOf('=');
        return equals < 0 ? option : option.substring(0, equals);
    }
}
