package io.palimpsest.worker.storage;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Include/exclude globs over relative keys. A pattern without {@code /} matches the file name
 * anywhere (like .gitignore), so {@code *.jsonl} finds {@code a/b/c.jsonl}; a pattern with
 * {@code /} matches the whole key ({@code 2024/**}). {@code **}{@code /} matches zero or more
 * folders, as in .gitignore, rsync and most tools: {@code **}{@code /*.jsonl} takes {@code a.jsonl}
 * at the top as well as {@code x/y/a.jsonl} (the JDK's glob alone wants at least one {@code /}
 * there). Keys whose name starts with {@code _} or {@code .} ({@code _SUCCESS}, {@code .crc}, our
 * own {@code _palimpsest}) are never input.
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
        if (glob.contains("/")) {
            List<PathMatcher> forms = withoutEachDoubleStarFolder(glob).stream()
                    .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g))
                    .toList();
            return path -> forms.stream().anyMatch(m -> m.matches(path));
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        return path -> path.getFileName() != null && matcher.matches(path.getFileName());
    }

    /**
     * The glob, and the globs with any of its {@code **}{@code /} segments left out: together they
     * match what the glob matches with each such segment standing for zero or more folders.
     */
    static List<String> withoutEachDoubleStarFolder(String glob) {
        int at = glob.indexOf(DOUBLE_STAR_FOLDER);
        while (at > 0 && glob.charAt(at - 1) != '/') { // "a**/" is not a whole segment
            at = glob.indexOf(DOUBLE_STAR_FOLDER, at + 1);
        }
        if (at < 0) {
            return List.of(glob);
        }
        String head = glob.substring(0, at);
        List<String> forms = new ArrayList<>();
        for (String tail : withoutEachDoubleStarFolder(glob.substring(at + DOUBLE_STAR_FOLDER.length()))) {
            forms.add(head + DOUBLE_STAR_FOLDER + tail);
            forms.add(head + tail);
        }
        return forms;
    }

    private static final String DOUBLE_STAR_FOLDER = "**/";
}
