package io.palimpsest.worker.client;

import io.palimpsest.worker.config.ManifestField;
import java.util.List;

/**
 * The model refused the job's requests in a way that is the same for every document (wrong API key,
 * unknown model name, a setting the server rejects). No document can succeed: the attempt stops at
 * once, commits nothing, and exits 78 so the operator fails the whole job. The message names the
 * endpoint, the HTTP status and the server's words, never the key.
 */
public class ModelConfigException extends RuntimeException {
    private final int status;
    private final List<ManifestField> about;

    public ModelConfigException(int status, String message) {
        this(status, message, List.of());
    }

    /** @param about the RewriterModel field(s) to check, the first one its manifest writes named with its line */
    public ModelConfigException(int status, String message, List<ManifestField> about) {
        super(message);
        this.status = status;
        this.about = List.copyOf(about);
    }

    public int status() {
        return status;
    }

    /** The model's fields the refusal points at, in order of preference; empty when it points at none. */
    public List<ManifestField> about() {
        return about;
    }
}
