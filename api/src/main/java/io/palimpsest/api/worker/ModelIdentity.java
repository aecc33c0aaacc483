package io.palimpsest.api.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model identity ({@link JobResolver#modelIdentity}) read as what it names: the kind of weights, where
 * they are and at what revision. Outputs and part markers record the identity as text, in the words of
 * the version that wrote it; two texts name the same weights when they read to the same value here,
 * however they are worded, so an operator or worker version that words an identity otherwise does
 * not make a running campaign's output look like another model's.
 *
 * <p>Read as the same: {@code huggingFace:}, {@code hf:} (any case, also with {@code ://}) for a hub
 * repository, with or without the {@code vLLM weights} prefix (any case); slashes around the
 * repository; an empty revision ({@code repo@}) and none; a claim's directory with or without leading,
 * trailing or doubled slashes and {@code .} segments ({@code pvc:claim:dir}, {@code pvc://claim/dir});
 * an S3 prefix with or without trailing slashes. Not read as the same, since nothing here can tell:
 * another repository, revision, claim, directory, bucket or prefix (compared as written, case and all);
 * a revision absent and one given ({@code main} is the default branch of most repositories, not of
 * all); a branch or tag and the commit it resolves to (that asks the hub, and may change). A text none of these forms reads stays itself and is the same only as the
 * same text.
 */
public record ModelIdentity(Kind kind, String location, String revision) {

    public enum Kind {
        /** A hub repository ({@code location}) at {@code revision} (null: the repository's default). */
        HUGGING_FACE,
        /** A claim's directory: {@code location} is {@code claim} or {@code claim:dir}. */
        PVC,
        /** An S3 prefix: {@code location} is {@code bucket/prefix}. */
        S3,
        /** An external endpoint: {@code location} is the name it serves. */
        ENDPOINT,
        /** The built-in simulator. */
        SIMULATOR,
        /** A text none of the forms reads: {@code location} is the text. */
        OTHER
    }

    private static final Pattern VLLM_PREFIX = Pattern.compile("(?i)^vllm\\s+weights\\s+");
    private static final Pattern HUGGING_FACE = Pattern.compile("(?i)^(?:hugging[-_ ]?face|hf)(?::/{0,2})");
    private static final Pattern PVC = Pattern.compile("(?i)^pvc:");
    private static final Pattern S3 = Pattern.compile("(?i)^s3://");
    private static final Pattern ENDPOINT = Pattern.compile("^an endpoint serving '(.*)' \\(weights not known\\)$");

    public ModelIdentity {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(location, "location");
    }

    /** What {@code text} names; null for null. */
    public static ModelIdentity parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        if (t.equals(JobResolver.SIMULATOR_IDENTITY)) {
            return new ModelIdentity(Kind.SIMULATOR, "", null);
        }
        Matcher endpoint = ENDPOINT.matcher(t);
        if (endpoint.matches()) {
            return new ModelIdentity(Kind.ENDPOINT, endpoint.group(1), null);
        }
        String rest = VLLM_PREFIX.matcher(t).replaceFirst("");
        Matcher hf = HUGGING_FACE.matcher(rest);
        if (hf.find()) {
            String body = rest.substring(hf.end());
            int at = body.indexOf('@');
            String repo = trimSlashes(at < 0 ? body : body.substring(0, at));
            String revision = at < 0 ? null : body.substring(at + 1).strip();
            if (!repo.isEmpty() && (revision == null || !revision.contains("@"))) {
                if (revision != null && revision.isEmpty()) {
                    revision = null;
                }
                return new ModelIdentity(Kind.HUGGING_FACE, repo, revision);
            }
        }
        Matcher pvc = PVC.matcher(rest);
        if (pvc.find()) {
            String body = rest.substring(pvc.end());
            boolean url = body.startsWith("//");
            body = url ? body.substring(2) : body;
            int split = url ? body.indexOf('/') : body.indexOf(':');
            String claim = (split < 0 ? body : body.substring(0, split)).strip();
            String dir = split < 0 ? "" : normalizedPath(body.substring(split + 1));
            if (!claim.isEmpty() && !claim.contains("/") && !claim.contains(":")) {
                return new ModelIdentity(Kind.PVC, dir.isEmpty() ? claim : claim + ":" + dir, null);
            }
        }
        Matcher s3 = S3.matcher(rest);
        if (s3.find()) {
            String body = rest.substring(s3.end()).strip();
            int slash = body.indexOf('/');
            String bucket = slash < 0 ? body : body.substring(0, slash);
            String prefix = slash < 0 ? "" : body.substring(slash + 1).replaceAll("/+$", "");
            if (!bucket.isEmpty()) {
                return new ModelIdentity(Kind.S3, prefix.isEmpty() ? bucket : bucket + "/" + prefix, null);
            }
        }
        return new ModelIdentity(Kind.OTHER, t, null);
    }

    /**
     * Whether {@code a} and {@code b} name the same weights, however worded; two nulls are the same,
     * a null and a text are not.
     */
    public static boolean same(String a, String b) {
        return Objects.equals(parse(a), parse(b));
    }

    /** This identity in the words {@link JobResolver#modelIdentity} uses. */
    public String canonical() {
        return switch (kind) {
            case HUGGING_FACE -> "vLLM weights huggingFace:" + location + (revision == null ? "" : "@" + revision);
            case PVC -> "vLLM weights pvc:" + location;
            case S3 -> "vLLM weights s3://" + location;
            case ENDPOINT -> JobResolver.endpointIdentity(location);
            case SIMULATOR -> JobResolver.SIMULATOR_IDENTITY;
            case OTHER -> location;
        };
    }

    @Override
    public String toString() {
        return canonical();
    }

    private static String trimSlashes(String s) {
        return s.strip().replaceAll("^/+", "").replaceAll("/+$", "");
    }

    /** A directory inside a claim: its segments without empty or {@code .} ones (not {@code ..}: kept as is). */
    private static String normalizedPath(String path) {
        List<String> segments = new ArrayList<>();
        for (String segment : path.strip().split("/")) {
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        return String.join("/", segments);
    }
}
