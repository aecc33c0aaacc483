package io.palimpsest.api.lint;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules of a model's base URL wherever it is given: the CRD's pattern and CEL rules on a
 * RewriterModel's {@code spec.endpoint.url} (which {@code lint} and {@code local} check as the API
 * server does), read from that field's own annotations, so that a worker's {@code --endpoint} or
 * {@code PALIMPSEST_MODEL_ENDPOINT} is refused by the same rules in the same words.
 */
public final class EndpointUrlRules {
    private EndpointUrlRules() {}

    private static final java.lang.reflect.Field URL_FIELD = urlField();

    private static java.lang.reflect.Field urlField() {
        try {
            return RewriterModelSpec.ExternalEndpoint.class.getDeclaredField("url");
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("RewriterModelSpec.ExternalEndpoint has no url field", e);
        }
    }

    /** The pattern of {@code spec.endpoint.url} as the CRD states it ({@code ^https?://[^\s/@]+(/[^\s]*)?$}). */
    private static final String PATTERN = URL_FIELD.getAnnotation(Pattern.class).value();

    /** The pattern of {@code spec.endpoint.url} in words. */
    static final String PATTERN_IN_WORDS = "endpoint.url should be a base URL: http:// or https://, then a host"
            + " (with :port if needed), then an optional path, with no spaces, e.g. http://vllm.inference:8000";

    /**
     * What the cluster would say of {@code url} as a RewriterModel's {@code spec.endpoint.url}: each
     * broken CEL rule's message, then the pattern's (in words, where the API server prints the regex), never
     * the URL itself (it may hold a password or a key in its query). Empty when the URL is accepted.
     */
    public static List<String> problems(String url) {
        List<String> out = new ArrayList<>();
        for (ValidationRule rule : URL_FIELD.getAnnotationsByType(ValidationRule.class)) {
            if (!CrdSchema.evaluate(rule.value(), url, null)) {
                out.add(rule.message());
            }
        }
        if (out.isEmpty()
                && !java.util.regex.Pattern.compile(PATTERN).matcher(url).find()) {
            out.add(PATTERN_IN_WORDS);
        }
        return out;
    }

    /**
     * What a schema check says when {@code url} does not match {@code pattern}: for the pattern of
     * {@code spec.endpoint.url}, the URL as {@link #named} names it and its {@link #problems}, the words
     * {@code --endpoint} is refused in (so a URL with user info is told so, its password not repeated);
     * empty for any other pattern (its regex is then the explanation).
     */
    static Optional<String> patternRefusal(String pattern, String url) {
        if (!PATTERN.equals(pattern)) {
            return Optional.empty();
        }
        String named = named(url);
        List<String> problems = problems(url);
        return Optional.of("Invalid value: " + (named.isEmpty() ? "" : named + ": ")
                + String.join("; ", problems.isEmpty() ? List.of(PATTERN_IN_WORDS) : problems));
    }

    /**
     * The URL as a refusal names it, for {@code --endpoint} and {@code spec.endpoint.url} alike:
     * {@link #shown}, with a note when its user info, query or fragment is left out; empty when
     * nothing of it can be shown and nothing is left out.
     */
    public static String named(String url) {
        String shown = shown(url);
        if (!hidesPart(url)) {
            return shown;
        }
        return shown.isEmpty()
                ? "(user info, query and fragment not shown)"
                : shown + " (user info, query and fragment not shown)";
    }

    /**
     * The URL as it may be shown: as given when it holds no '@', '?' or '#' (so no user info, query or
     * fragment), else scheme, host, port and path, without user info, query or fragment; empty when it does
     * not parse into those (a password with a raw '#' or '/' would otherwise show).
     */
    public static String shown(String url) {
        if (url.indexOf('@') < 0 && url.indexOf('?') < 0 && url.indexOf('#') < 0) {
            // nothing in it can be user info, a query or a fragment: as given (e.g. htp:/bad), control characters
            // escaped, cut after 200 characters
            return printable(url);
        }
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "";
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (URISyntaxException e) {
            return "";
        }
    }

    /** True when {@link #shown} leaves part of {@code url} out (its user info, query or fragment). */
    public static boolean hidesPart(String url) {
        return url.indexOf('@') >= 0 || url.indexOf('?') >= 0 || url.indexOf('#') >= 0;
    }

    private static String printable(String url) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < url.length(); i++) {
            if (out.length() >= 200) {
                return out.append("...").toString();
            }
            char c = url.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
