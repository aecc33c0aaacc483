package io.palimpsest.worker.storage;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.function.Predicate;

/**
 * Include/exclude globs over relative keys. A pattern without {@code /} matches the file name
 * anywhere (like .gitignore), so {@code *.jsonl} finds {@code a/b/c.jsonl}; a pattern with
 * {@code /} matches the whole key ({@code 2024/**}). Keys whose name starts with {@code _} or
 * {@code .} ({@code _SUCCESS}, {@code .crc}, our own {@code _palimpsest}) are never input.
 */
public final class KeyFilter implements Predicate<String> {

    private final List<PathMatcher> includes;
    private final List<PathMatcher> excludes;
    private final String description;

    public KeyFilter(List<String> includeGlobs, List<String> excludeGlobs) {
        this.includes = compile(includeGlobs);
        this.excludes = compile(excludeGlobs);
        this.description = "include " + (includeGlobs == null || includeGlobs.isEmpty() ? "(all files)" : includeGlobs)
                + (excludeGlobs == null || excludeGlobs.isEmpty() ? "" : ", exclude " + excludeGlobs)
                + " (names starting with '_' or '.' are never input)";
    }

    /** The globs, for messages. */
    public String describe() {
        return description;
    }

    public static KeyFilter all() {
        return new KeyFilter(List.of(), List.of());
    }

    @Override
    public boolean test(String key) {
        if (isHiddenOrInternal(key)) {
            return false;
        }
        Path path = Path.of(key);
        boolean included = includes.isEmpty() || includes.stream().anyMatch(m -> m.matches(path));
        return included && excludes.stream().noneMatch(m -> m.matches(path));
    }

    private static boolean isHiddenOrInternal(String key) {
        for (String segment : key.split("/")) {
            if (segment.startsWith("_") || segment.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static List<PathMatcher> compile(List<String> globs) {
        if (globs == null) {
            return List.of();
        }
        return globs.stream().map(KeyFilter::compile).toList();
    }

    private static PathMatcher compile(String glob) {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        if (glob.contains("/")) {
            return matcher;
        }
        return path -> path.getFileName() != null && matcher.matches(path.getFileName());
    }
}
