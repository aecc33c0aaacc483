package io.palimpsest.worker.client;

import java.net.URI;

/**
 * Where a path of the OpenAI-compatible API lives for a model's base URL: under the base URL's own
 * path, so a gateway that serves the model under a prefix ({@code https://gateway.example/team-a},
 * calls to {@code https://gateway.example/team-a/v1/chat/completions}) is called there, as the
 * operator's health check of an external endpoint calls it, and not at the host's root.
 */
public final class ModelUrls {
    private ModelUrls() {}

    /** @param path an absolute API path, e.g. {@code /v1/chat/completions} or {@code /health} */
    public static URI at(URI base, String path) {
        String prefix = base.getRawPath() == null ? "" : base.getRawPath();
        int end = prefix.length();
        while (end > 0 && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return base.resolve(prefix.substring(0, end) + path);
    }
}
