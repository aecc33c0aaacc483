package io.palimpsest.api.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Storage URIs compared as paths: {@code .} and empty segments dropped, {@code ..} refused (a
 * {@code pvc://claim/../x} would leave the claim), so overlap tests cannot be fooled by spelling.
 */
public final class StorageUris {
    private StorageUris() {}

    /** Why a cluster cannot use a {@code file://} URI, in the words of the operator's InvalidSpec and of lint's warning. */
    public static final String FILE_ON_ONE_MACHINE =
            "file:// exists on one machine only (palimpsest local); in a cluster use s3:// or pvc://";

    /** Why a cluster cannot use the URI although {@code palimpsest local} can: a {@code file://} URI. */
    public static Optional<String> clusterProblem(String uri) {
        return uri != null && uri.startsWith("file://") ? Optional.of(FILE_ON_ONE_MACHINE) : Optional.empty();
    }

    /** Why the URI cannot be used as a path, if it cannot: a {@code ..} segment. */
    public static Optional<String> pathProblem(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        int schemeEnd = uri.indexOf("://");
        String rest = schemeEnd < 0 ? uri : uri.substring(schemeEnd + 3);
        for (String segment : rest.split("/", -1)) {
            if (segment.equals("..")) {
                return Optional.of("must not contain '..' path segments (it would reach outside "
                        + (uri.startsWith("pvc://")
                                ? "the claim"
                                : uri.startsWith("s3://") ? "the prefix" : "the folder")
                        + ")");
            }
        }
        return Optional.empty();
    }

    /** Scheme, authority and path without '.' or empty segments, ending in exactly one slash, so prefix tests match whole segments. */
    public static String normalise(String uri) {
        int schemeEnd = uri.indexOf("://");
        String head = schemeEnd < 0 ? "" : uri.substring(0, schemeEnd + 3);
        String rest = schemeEnd < 0 ? uri : uri.substring(schemeEnd + 3);
        boolean absolute = rest.startsWith("/");
        List<String> segments = new ArrayList<>();
        for (String segment : rest.split("/")) {
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        return head + (absolute ? "/" : "") + String.join("/", segments) + "/";
    }

    /**
     * The URI's folders from its root down to itself, each {@link #normalise normalised}: {@code
     * s3://b/out/sub} gives {@code s3://b/}, {@code s3://b/out/}, {@code s3://b/out/sub/}; a
     * {@code file:///a} gives {@code file:///} and {@code file:///a/}.
     */
    public static List<String> prefixes(String uri) {
        String normalised = normalise(uri);
        int schemeEnd = normalised.indexOf("://");
        String head = schemeEnd < 0 ? "" : normalised.substring(0, schemeEnd + 3);
        String rest = normalised.substring(head.length());
        boolean absolute = rest.startsWith("/");
        List<String> prefixes = new ArrayList<>();
        StringBuilder at = new StringBuilder(head).append(absolute ? "/" : "");
        if (absolute) {
            prefixes.add(at.toString());
        }
        for (String segment : rest.split("/")) {
            if (!segment.isEmpty()) {
                at.append(segment).append('/');
                prefixes.add(at.toString());
            }
        }
        return prefixes;
    }

    /** How the output relates to the input: the same place, one inside the other, or apart. */
    public enum Overlap {
        NONE,
        SAME,
        OUTPUT_INSIDE_INPUT,
        INPUT_INSIDE_OUTPUT
    }

    public static Overlap overlap(String input, String output) {
        String a = normalise(input);
        String b = normalise(output);
        if (a.equals(b)) {
            return Overlap.SAME;
        }
        if (b.startsWith(a)) {
            return Overlap.OUTPUT_INSIDE_INPUT;
        }
        return a.startsWith(b) ? Overlap.INPUT_INSIDE_OUTPUT : Overlap.NONE;
    }
}
