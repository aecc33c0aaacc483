package io.palimpsest.worker.client;

import io.palimpsest.worker.config.ManifestField;
import java.util.List;

/** The model endpoint stayed unreachable past the outage budget: stop, keep checkpoints, exit 75 so the shard is retried later. */
public class ModelUnavailableException extends RuntimeException {
    private final List<ManifestField> about;

    public ModelUnavailableException(String message, Throwable cause) {
        this(message, cause, List.of());
    }

    /** @param about the RewriterModel field(s) that say where the model is, named with their line from a file */
    public ModelUnavailableException(String message, Throwable cause, List<ManifestField> about) {
        super(message, cause);
        this.about = List.copyOf(about);
    }

    /** The model's fields the message is about, in order of preference; empty when it is about none. */
    public List<ManifestField> about() {
        return about;
    }
}
