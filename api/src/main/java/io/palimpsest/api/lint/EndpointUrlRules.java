package io.palimpsest.api.lint;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * What the cluster would say of {@code url} as a RewriterModel's {@code spec.endpoint.url}: each
     * broken CEL rule's message, then the pattern's, never the URL itself (it may hold a password or
     * a key in its query). Empty when the URL is accepted.
     */
    public static List<String> problems(String url) {
        List<String> out = new ArrayList<>();
        for (ValidationRule rule : URL_FIELD.getAnnotationsByType(ValidationRule.class)) {
            if (!CrdSchema.evaluate(rule.value(), url, null)) {
                out.add(rule.message());
            }
        }
        Pattern pattern = URL_FIELD.getAnnotation(Pattern.class);
        if (out.isEmpty()
                && pattern != null
                && !java.util.regex.Pattern.compile(pattern.value())
                        .matcher(url)
                        .find()) {
            out.add("endpoint.url should match '" + pattern.value() + "'");
        }
        return out;
    }

    /**
     * The URL as it may be shown: scheme, host, port and path, without user info, query or fragment;
     * empty when it does not parse into those (a password with a raw '#' or '/' would otherwise show).
     */
    public static String shown(String url) {
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
}
