package io.palimpsest.worker.cli;

import io.palimpsest.api.lint.EndpointUrlRules;
import io.palimpsest.worker.config.InvalidJobException;
import java.net.URI;
import java.util.List;

/**
 * A model base URL given by hand ({@code --endpoint}, {@code PALIMPSEST_MODEL_ENDPOINT}) is held
 * to the rules of a RewriterModel's {@code spec.endpoint.url}: whatever {@code local} accepts the
 * cluster accepts, and the reverse. A refusal exits 78 and never repeats the user info or query.
 */
final class EndpointOption {
    private EndpointOption() {}

    /**
     * @param source where the URL came from, for the message ({@code --endpoint})
     * @throws InvalidJobException when the cluster would refuse it as {@code spec.endpoint.url}
     */
    static URI checked(String source, String url) {
        List<String> problems = EndpointUrlRules.problems(url);
        if (!problems.isEmpty()) {
            String named = EndpointUrlRules.named(url);
            throw new InvalidJobException(
                    source + (named.isEmpty() ? "" : " " + named) + ": " + String.join("; ", problems));
        }
        return URI.create(url);
    }

    static URI checked(String source, URI url) {
        return url == null ? null : checked(source, url.toString());
    }
}
